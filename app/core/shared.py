"""State shared by every process of a deployment through the database: rate-limit buckets and cache versions.

`serve --workers N`, replicas and the worker each hold their own memory. What must hold across them lives in
PostgreSQL:

- rate limits: the token buckets of app/core/ratelimit.py, read and written under a row lock in a short transaction
  of their own (the request's transaction is not involved: a refused request takes nothing, an allowed one has
  taken its token whatever it does next). Two workers never double an allowance.
- cache versions: a process that changes reference data bumps the version of its cache entry (after the change
  committed); every process polls the versions every `cache_poll_seconds` and drops the entries whose version
  moved, so an administrator's change is seen everywhere within that time, not only after the cache's TTL.

On SQLite, a deployment is one process (one writer, one connection per process): rate limits stay in memory and
the versions are still published and polled (a second process, a CLI import, is seen).
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlmodel import col

from app.core.cache import ReferenceCache
from app.models import CacheVersion, RateBucket

log = logging.getLogger("app.shared")
ALL = "*"


def _insert(engine: AsyncEngine) -> Callable[[Any], Any]:
    return pg_insert if engine.dialect.name == "postgresql" else sqlite_insert


# ---------------------------------------------------------------- rate buckets

async def take_tokens(engine: AsyncEngine, names: list[str], capacity: dict[str, float],
                      decide: Callable[[dict[str, tuple[float, datetime] | None]], tuple[float, dict[str, float]]],
                      now: datetime) -> float:
    """Runs `decide` on the named buckets, locked: it answers (seconds to wait, new tokens by name); when it says
    wait (> 0) nothing is written. Buckets not stored yet are full."""
    names = sorted(set(names))  # one lock order for every process: no deadlock between two multi-key hits
    async with engine.begin() as conn:
        await conn.execute(_insert(engine)(RateBucket).values([{"key": n, "tokens": capacity[n], "at": now}
                                                               for n in names])
                           .on_conflict_do_nothing(index_elements=["key"]))
        query = select(col(RateBucket.key), col(RateBucket.tokens), col(RateBucket.at)).where(
            col(RateBucket.key).in_(names)).order_by(col(RateBucket.key))
        if engine.dialect.name == "postgresql":
            query = query.with_for_update()
        stored = {k: (t, at) for k, t, at in (await conn.execute(query)).all()}
        wait, tokens = decide({n: stored.get(n) for n in names})
        if wait > 0:
            return wait
        for name, value in tokens.items():
            await conn.execute(update(RateBucket).where(col(RateBucket.key) == name).values(tokens=value, at=now))
    return 0.0


async def forget_full_buckets(engine: AsyncEngine, older_than: datetime) -> None:
    """A bucket untouched for its whole period has filled up again: the same as no bucket."""
    async with engine.begin() as conn:
        await conn.execute(delete(RateBucket).where(col(RateBucket.at) < older_than))


# ---------------------------------------------------------------- cache versions

async def publish(engine: AsyncEngine, names: tuple[str, ...]) -> None:
    """Bumps the versions of cache entries another process may hold (`ALL` when every entry changed)."""
    async with engine.begin() as conn:
        for name in names or (ALL,):
            await conn.execute(_insert(engine)(CacheVersion).values(name=name, version=1)
                               .on_conflict_do_update(index_elements=["name"],
                                                      set_={"version": col(CacheVersion.version) + 1}))


async def versions(engine: AsyncEngine) -> dict[str, int]:
    async with engine.connect() as conn:
        return {n: v for n, v in (await conn.execute(select(col(CacheVersion.name), col(CacheVersion.version))))}


def attach(cache: ReferenceCache, engine: AsyncEngine) -> None:
    """Local invalidations are published for the other processes (in a task: invalidate is called after commit)."""
    pending: set[asyncio.Task[None]] = set()

    def publisher(names: tuple[str, ...]) -> None:
        async def run() -> None:
            try:
                await publish(engine, names)
            except Exception:  # noqa: BLE001 - the other processes still reload after the TTL
                log.warning("cache invalidation not published", exc_info=True)

        with contextlib.suppress(RuntimeError):  # no running loop (a synchronous caller): nothing to tell
            task = asyncio.get_running_loop().create_task(run())
            pending.add(task)
            task.add_done_callback(pending.discard)

    cache.publisher = publisher


async def watch(cache: ReferenceCache, engine: AsyncEngine, every_seconds: float) -> None:
    """Polls the versions and drops the entries another process changed; runs until cancelled."""
    seen: dict[str, int] | None = None
    while True:
        try:
            now = await versions(engine)
            if seen is not None:
                moved = tuple(n for n, v in now.items() if seen.get(n) != v)
                if ALL in moved:
                    cache.invalidate(publish=False)
                elif moved:
                    cache.invalidate(*moved, publish=False)
            seen = now
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - the database may be away for a while; the TTL still bounds staleness
            log.warning("cache versions not read", exc_info=True)
        await asyncio.sleep(every_seconds)


@contextlib.asynccontextmanager
async def following(cache: ReferenceCache, engine: AsyncEngine, every_seconds: float) -> AsyncIterator[None]:
    """For a process's life: its invalidations are published, and the others' followed (polled every
    `every_seconds`; 0: not followed, the cache's TTL alone bounds how stale an entry gets)."""
    attach(cache, engine)
    watcher = asyncio.create_task(watch(cache, engine, every_seconds)) if every_seconds > 0 else None
    try:
        yield
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher


def bucket_cutoff(now: datetime, longest_period_seconds: float) -> datetime:
    return now - timedelta(seconds=longest_period_seconds)
