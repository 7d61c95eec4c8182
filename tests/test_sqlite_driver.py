"""The embedded default's SQLite adapter: DBAPI answers as SQLAlchemy's own adapter gives them, one trip each."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import IntegrityError

from app.core.db import make_engine
from app.core.sqlite_driver import OneTripCursor
from tests.conftest import _settings


@pytest.fixture
async def engine(tmp_path):
    engine = make_engine(_settings(f"sqlite+aiosqlite:///{tmp_path / 'one.db'}", tmp_path))
    async with engine.begin() as conn:
        await conn.execute(text("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT UNIQUE NOT NULL)"))
    yield engine
    await engine.dispose()


def count_trips(raw) -> list[str]:
    """Wraps the aiosqlite connection's hand-off to its thread; returns the list it appends to."""
    aio = raw.driver_connection
    trips: list[str] = []
    handoff = aio._execute

    async def counted(fn, *args, **kwargs):
        trips.append(getattr(fn, "__name__", repr(fn)))
        return await handoff(fn, *args, **kwargs)

    aio._execute = counted
    return trips


async def test_answers_match_the_dbapi(engine):
    async with engine.begin() as conn:
        inserted = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), {"n": "甲"})
        assert (inserted.rowcount, inserted.lastrowid) == (1, 1)
        many = await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": "乙"}, {"n": "丙"}, {"n": "丁"}])
        assert many.rowcount == 3
        returned = await conn.execute(text("INSERT INTO t (name) VALUES ('戊') RETURNING id, name"))
        assert returned.all() == [(5, "戊")]
        rows = await conn.execute(text("SELECT id, name FROM t WHERE id > :i ORDER BY id"), {"i": 3})
        assert list(rows.keys()) == ["id", "name"] and rows.all() == [(4, "丁"), (5, "戊")]
        updated = await conn.execute(text("UPDATE t SET name = name || '!' WHERE id <= 2"))
        assert updated.rowcount == 2
        assert (await conn.execute(text("SELECT count(*) FROM t WHERE id > 99"))).scalar_one() == 0
        assert (await conn.execute(text("SELECT name FROM t WHERE id > 99"))).first() is None
        batches = await conn.execute(text("SELECT id FROM t ORDER BY id"))
        assert [r.id for r in batches.fetchmany()] == [1] and [r.id for r in batches.fetchmany(2)] == [2, 3]
        created = await conn.execute(text("CREATE INDEX t_name ON t (name)"))
        assert not created.returns_rows


async def test_one_trip_per_statement(engine):
    async with engine.connect() as conn:
        raw = await conn.get_raw_connection()
        assert isinstance(raw.dbapi_connection.cursor(), OneTripCursor)
        trips = count_trips(raw)
        await conn.execute(text("SELECT 1"))
        await conn.execute(text("INSERT INTO t (name) VALUES ('甲')"))
        await conn.execute(text("SELECT id, name FROM t"))
        # Three statements, plus the BEGIN IMMEDIATE the engine sends at the start of a transaction.
        assert trips == ["_run", "_run", "_run", "_run"], trips
        await conn.commit()


async def test_errors_surface_and_the_connection_goes_on(engine):
    async with engine.connect() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES ('甲')"))
        with pytest.raises(IntegrityError):
            await conn.execute(text("INSERT INTO t (name) VALUES ('甲')"))
        await conn.rollback()
        assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar_one() == 0
        await conn.execute(text("INSERT INTO t (name) VALUES ('乙')"))
        await conn.commit()
    async with engine.connect() as conn:
        assert (await conn.execute(text("SELECT name FROM t"))).scalars().all() == ["乙"]


async def test_streamed_results_keep_sqlalchemys_server_side_cursor(engine):
    async with engine.begin() as conn:
        await conn.execute(text("INSERT INTO t (name) VALUES (:n)"), [{"n": f"n{i}"} for i in range(250)])
    async with engine.connect() as conn:
        result = await conn.stream(text("SELECT id FROM t ORDER BY id"))
        seen = [row.id async for row in result]
    assert seen == list(range(1, 251))
