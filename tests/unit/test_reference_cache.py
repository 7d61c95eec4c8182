"""The per-process reference cache: no waiting on another caller's load, stale values while one refreshes."""

import asyncio

from app.core.cache import ReferenceCache


async def test_a_caller_holding_the_only_connection_is_not_kept_waiting_by_another_callers_load():
    cache = ReferenceCache(ttl_seconds=60)
    connection = asyncio.Lock()  # SQLite's single pooled connection
    b_waiting = asyncio.Event()

    async def b() -> str:
        async def load_needing_the_connection() -> str:
            b_waiting.set()
            async with connection:
                return "b"
        return await cache.get("snapshot", load_needing_the_connection)

    async def a() -> str:
        async with connection:  # a's session has run a statement and holds the connection
            task_b = asyncio.create_task(b())
            await b_waiting.wait()  # b is loading and waits for the connection a holds

            async def load_on_own_connection() -> str:
                return "a"
            got = await cache.get("snapshot", load_on_own_connection)
        return got + await task_b

    assert await asyncio.wait_for(a(), timeout=2) == "ab"


async def test_stale_value_served_while_one_caller_refreshes_it():
    cache = ReferenceCache(ttl_seconds=0)
    assert await cache.get("x", _value("old")) == "old"
    release = asyncio.Event()
    loads = 0

    async def slow_load() -> str:
        nonlocal loads
        loads += 1
        await release.wait()
        return "new"

    refresher = asyncio.create_task(cache.get("x", slow_load))
    await asyncio.sleep(0)
    try:
        assert await asyncio.wait_for(cache.get("x", slow_load), timeout=1) == "old"  # no second load, no wait
    finally:
        release.set()
    assert await refresher == "new" and loads == 1


async def test_a_load_overtaken_by_an_invalidation_is_not_kept():
    cache = ReferenceCache(ttl_seconds=60)
    release = asyncio.Event()

    async def load_before_the_change() -> str:
        await release.wait()
        return "before"

    loading = asyncio.create_task(cache.get("x", load_before_the_change))
    await asyncio.sleep(0)
    cache.invalidate("x")  # an admin change committed while the load was reading
    release.set()
    assert await loading == "before"
    assert await cache.get("x", _value("after")) == "after"
    assert await cache.get("x", _value("ignored")) == "after"  # kept now, within its TTL


def _value(v: str):
    async def load() -> str:
        return v
    return load
