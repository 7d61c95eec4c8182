"""Statements handed to the driver (`app.core.direct`) store and return what the session's own path does, on
both databases: each type's conversion, RETURNING, executemany, the statement's own values, errors as SQLAlchemy
raises them, and nothing outside the session's transaction."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import bindparam, insert, select, update
from sqlalchemy import exc as sa_exc

from app.core.db import table_of
from app.core.direct import Direct
from app.models import CaseEvent, IdempotencyKey
from tests import factories as f

EVENTS = table_of(CaseEvent)
KEYS = table_of(IdempotencyKey)
AT = datetime(2026, 12, 7, 6, 30, 15, 123456, tzinfo=UTC)


async def _a_case_id(client, app) -> int:
    return int((await f.case(client, await f.login_as(app, "agent")))["id"])


async def _user_id(app) -> int:
    return await f.user(app, "agent")


async def test_rows_come_back_as_the_session_reads_them(app):
    user_id = await _user_id(app)
    claim = Direct(insert(KEYS).returning(KEYS.c.id, KEYS.c.created_at, KEYS.c.response_body))
    async with app.state.sessionmaker() as s:
        row = await claim.first(s, {"user_id": user_id, "key": "direct-1", "method": "POST", "path": "/x",
                                    "request_hash": "h", "state": "in_flight", "created_at": AT, "expires_at": AT})
        await s.commit()
    assert row is not None
    new_id, created_at, body = row
    assert created_at == AT and created_at.tzinfo is not None and body is None
    async with app.state.sessionmaker() as s:
        stored = await s.get(IdempotencyKey, new_id)
        assert stored is not None and stored.key == "direct-1" and stored.created_at == AT


async def test_json_given_encoded_and_json_converted_are_stored_alike(app):
    user_id = await _user_id(app)
    claim = Direct(insert(KEYS).returning(KEYS.c.id))
    answer = {"id": 7, "title": "楼道灯不亮", "nested": {"list": [1, 2.5, None, True]}}
    plain = Direct(update(KEYS).where(KEYS.c.id == bindparam("row_id")).values(response_body=bindparam("body"),
                                                                              state="done"))
    encoded = Direct(update(KEYS).where(KEYS.c.id == bindparam("row_id")).values(response_body=bindparam("body"),
                                                                                state="done"), encoded=("body",))
    ids = []
    async with app.state.sessionmaker() as s:
        for key in ("direct-2", "direct-3"):
            row = await claim.first(s, {"user_id": user_id, "key": key, "method": "POST", "path": "/x",
                                        "request_hash": "h", "state": "in_flight", "created_at": AT,
                                        "expires_at": AT})
            assert row is not None
            ids.append(row[0])
        await plain.rows(s, {"row_id": ids[0], "body": answer})
        text = '{"id":7,"title":"楼道灯不亮","nested":{"list":[1,2.5,null,true]}}'
        await encoded.rows(s, {"row_id": ids[1], "body": text})
        await s.commit()
    async with app.state.sessionmaker() as s:
        rows = {k.id: k for k in (await s.execute(select(IdempotencyKey).where(IdempotencyKey.id.in_(ids)))).scalars()}
    assert rows[ids[0]].response_body == rows[ids[1]].response_body == answer
    assert rows[ids[0]].state == rows[ids[1]].state == "done"  # the statement's own value


async def test_executemany_writes_every_row_in_the_sessions_transaction(client, app):
    case_id = await _a_case_id(client, app)
    write = Direct(insert(EVENTS))
    rows = [{"case_id": case_id, "at": AT, "type": "note", "actor_role": "agent", "data": {"n": i, "说": "话"}}
            for i in range(3)]
    async with app.state.sessionmaker() as s:
        await s.run_sync(lambda sync: write.many_now(sync, rows))
        await s.rollback()  # nothing of it outside the transaction
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(CaseEvent).where(CaseEvent.type == "note"))).scalars().all() == []
        await s.run_sync(lambda sync: write.many_now(sync, rows))
        await s.commit()
    async with app.state.sessionmaker() as s:
        stored = (await s.execute(select(CaseEvent).where(CaseEvent.type == "note").order_by(CaseEvent.id))).scalars()
        assert [(e.case_id, e.at, e.data) for e in stored] == [(case_id, AT, {"n": i, "说": "话"}) for i in range(3)]


async def test_a_driver_error_is_raised_as_sqlalchemy_raises_it_and_observers_see_the_statement(app):
    user_id = await _user_id(app)
    claim = Direct(insert(KEYS))
    seen: list[tuple[str, bool]] = []

    def observe(conn, cursor, statement, parameters, context, executemany) -> None:
        seen.append((statement.split()[0].upper(), executemany))

    values = {"user_id": user_id, "key": "direct-dup", "method": "POST", "path": "/x", "request_hash": "h",
              "state": "in_flight", "created_at": AT, "expires_at": AT}
    Direct.observers.append(observe)
    try:
        async with app.state.sessionmaker() as s:
            await claim.rows(s, values)
            with pytest.raises(sa_exc.IntegrityError):  # the unique (user, key): the handlers' own kind
                await claim.rows(s, values)
            await s.rollback()
    finally:
        Direct.observers.remove(observe)
    assert seen == [("INSERT", False), ("INSERT", False)]
    async with app.state.sessionmaker() as s:  # the first statement of the session ran in its transaction
        assert (await s.execute(select(IdempotencyKey).where(IdempotencyKey.key == "direct-dup"))).first() is None


def test_a_python_side_default_is_refused_not_skipped():
    from sqlalchemy import Column, Integer, MetaData, Table
    from sqlalchemy.dialects import sqlite

    table = Table("t", MetaData(), Column("id", Integer, primary_key=True), Column("n", Integer, default=lambda: 5))
    with pytest.raises(TypeError, match="Python-side default"):
        Direct(insert(table))._plan(sqlite.dialect(), frozenset({"id"}))


async def test_one_session_many_transactions_each_statement_in_the_transaction_of_its_time(app):
    """A session keeps its transaction's connection for the statements after the first; a commit or rollback ends
    that transaction, and the next statement begins another (never runs on the finished one's connection)."""
    user_id = await _user_id(app)
    claim = Direct(insert(KEYS).returning(KEYS.c.id))
    count = Direct(select(KEYS.c.key).where(KEYS.c.key.like("kept-%")).order_by(KEYS.c.key))

    def values(key: str) -> dict[str, object]:
        return {"user_id": user_id, "key": key, "method": "POST", "path": "/x", "request_hash": "h",
                "state": "in_flight", "created_at": AT, "expires_at": AT}

    async with app.state.sessionmaker() as s:
        await claim.rows(s, values("kept-1"))
        await claim.rows(s, values("kept-2"))  # the same transaction: rolled back with the first
        assert [r[0] for r in await count.rows(s, {})] == ["kept-1", "kept-2"]
        await s.rollback()
        assert await count.rows(s, {}) == []
        await claim.rows(s, values("kept-3"))
        await s.commit()
        await claim.rows(s, values("kept-4"))  # a transaction of its own, begun after the commit
        await s.rollback()
        async with s.begin_nested():  # a savepoint runs on the transaction's connection
            await claim.rows(s, values("kept-5"))
        await claim.rows(s, values("kept-6"))
        await s.commit()
    async with app.state.sessionmaker() as s:
        assert [r[0] for r in await count.rows(s, {})] == ["kept-3", "kept-5", "kept-6"]
