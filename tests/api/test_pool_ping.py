"""PostgreSQL's pooled connections (`app.core.db.ping_when_idle`): pinged at checkout only after sitting idle, or
after the database dropped a connection; a connection broken while idle is replaced without an error, and one
broken moments after its last use fails one request (503 material) and gets every other pooled connection
checked before its next use."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import Integer, func, select
from sqlalchemy.dialects.postgresql.asyncpg import AsyncAdapt_asyncpg_connection
from sqlalchemy.exc import DBAPIError

from app.core.db import make_engine, make_sessionmaker
from app.core.direct import Direct
from app.core.errors import database_unavailable
from tests.conftest import _settings, pg_copy
from tests.pg_server import PostgresServer

_BACKEND = Direct(select(func.pg_backend_pid(type_=Integer)))  # through the driver, as the hot statements run


@pytest.fixture
async def pg_url(pg_server: PostgresServer, pg_template: str) -> AsyncIterator[str]:
    async with pg_copy(pg_server, pg_template) as url:
        yield url


@pytest.fixture
def pings(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """One entry per ping the pool sends."""
    sent: list[int] = []
    original = AsyncAdapt_asyncpg_connection.ping

    def counted(self: AsyncAdapt_asyncpg_connection) -> None:
        sent.append(1)
        original(self)

    monkeypatch.setattr(AsyncAdapt_asyncpg_connection, "ping", counted)
    return sent


@asynccontextmanager
async def _pool(url: str, tmp_path: Path, idle_seconds: float):  # type: ignore[no-untyped-def]
    """Sessions on an engine of the application's own making, with two pooled connections."""
    settings = _settings(url, tmp_path).model_copy(update={"db_ping_idle_seconds": idle_seconds, "pool_size": 2})
    engine = make_engine(settings)
    try:
        yield make_sessionmaker(engine)
    finally:
        await engine.dispose()


async def _backend(sessions, *, hold: asyncio.Event | None = None) -> int:  # type: ignore[no-untyped-def]
    async with sessions() as session:
        row = await _BACKEND.first(session, {})
        if hold is not None:  # keep this connection checked out, so that the next session takes another
            await hold.wait()
        await session.commit()
    assert row is not None
    return int(row[0])


async def _terminate(pg_server: PostgresServer, *pids: int) -> None:
    admin = await asyncpg.connect(pg_server.url().replace("+asyncpg", ""))
    try:
        for pid in pids:
            assert await admin.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await admin.close()


async def test_a_connection_used_moments_ago_is_not_pinged(pg_url, tmp_path, pings):
    async with _pool(pg_url, tmp_path, idle_seconds=60) as sessions:
        first = await _backend(sessions)
        assert len(pings) == 1  # a new connection: nothing known about it
        for _ in range(3):
            assert await _backend(sessions) == first
        assert len(pings) == 1


async def test_a_connection_idle_longer_is_pinged(pg_url, tmp_path, pings):
    async with _pool(pg_url, tmp_path, idle_seconds=0.05) as sessions:
        first = await _backend(sessions)
        await asyncio.sleep(0.1)
        assert await _backend(sessions) == first
        assert len(pings) == 2


async def test_a_connection_broken_while_idle_is_replaced_without_an_error(pg_url, tmp_path, pg_server, pings):
    async with _pool(pg_url, tmp_path, idle_seconds=0.05) as sessions:
        first = await _backend(sessions)
        await _terminate(pg_server, first)
        await asyncio.sleep(0.1)
        second = await _backend(sessions)  # the ping failed, the pool connected again: no error for the caller
        assert second != first


async def test_a_connection_broken_just_after_use_fails_once_and_the_pool_is_checked(pg_url, tmp_path, pg_server,
                                                                                    pings):
    async with _pool(pg_url, tmp_path, idle_seconds=60) as sessions:
        hold = asyncio.Event()
        held = asyncio.create_task(_backend(sessions, hold=hold))
        await asyncio.sleep(0.2)
        other = await _backend(sessions)  # a second pooled connection, while the first is checked out
        hold.set()
        one = await held
        assert one != other and len(pings) == 2
        await _terminate(pg_server, one, other)  # as a restart of the server does to every pooled connection

        with pytest.raises(DBAPIError) as failed:
            await _backend(sessions)  # used moments ago, so not pinged: its statement meets the broken socket
        assert failed.value.connection_invalidated and database_unavailable(failed.value)

        # The other pooled connection was returned before the disconnect: pinged, replaced, no second failure.
        pinged_before = len(pings)
        fresh = {await _backend(sessions) for _ in range(3)}
        assert fresh.isdisjoint({one, other}) and len(pings) > pinged_before
