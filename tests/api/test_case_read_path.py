"""A case read's work, on both databases: the statements `GET /cases/{id}` sends (the caller once, the case, its
assignments, its timeline, its neighbours: nothing more), the caller read once a request even where a route asks
for it twice (the context and a role check), and the objects a read takes untracked: of no session, the stored
values, and never written back."""

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import event, inspect, select

from app.cases import repository
from app.core.direct import Direct
from app.models import Case
from tests import factories as f


@contextmanager
def statements(app) -> Iterator[list[str]]:
    """The SQL of every statement sent while inside, through SQLAlchemy or handed to the driver by `Direct`."""
    sent: list[str] = []

    def seen(_conn, _cursor, sql, *_args) -> None:
        sent.append(" ".join(sql.split()))

    sync = app.state.engine.sync_engine
    event.listen(sync, "before_cursor_execute", seen)
    Direct.observers.append(seen)
    try:
        yield sent
    finally:
        event.remove(sync, "before_cursor_execute", seen)
        Direct.observers.remove(seen)


async def _case(client, app) -> tuple[dict, dict]:
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, description="小区门口的路灯坏了一个多月，晚上黑乎乎的")
    return agent, case


async def test_a_case_read_sends_five_statements(client, app):
    agent, case = await _case(client, app)
    app.state.cache.ttl = 60  # as served (the tests' own settings keep nothing, to see changes at once)
    (await client.get(f"/cases/{case['id']}", headers=agent)).raise_for_status()  # reference data cached
    with statements(app) as sent:
        r = await client.get(f"/cases/{case['id']}", headers=agent)
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["id"] == case["id"] and body["assignments"] and len(body["timeline"]) >= 2
    # SQLite's BEGIN IMMEDIATE aside (its write lock, app.core.db), reads only, one per table:
    reads = [s for s in sent if s != "BEGIN IMMEDIATE"]
    assert all(s.startswith("SELECT ") for s in reads), sent
    froms = [s.split(" FROM ", 1)[1].split()[0] for s in reads]
    assert froms == ["users", "cases", "assignments", "case_events", "cases"], froms  # the last: merged and linked


async def test_the_caller_is_read_once_where_a_route_asks_twice(client, app):
    admin = await f.login_as(app, "admin")
    # The route takes the request's context and an administrator check: both need the caller.
    with statements(app) as sent:
        r = await client.get("/admin/classifier/models", headers=admin)
    assert r.status_code == 200, r.text
    assert sum(1 for s in sent if " FROM users" in s) == 1, sent
    agent = await f.login_as(app, "agent")
    refused = await client.get("/admin/classifier/models", headers=agent)  # the role check still holds
    assert refused.status_code == 403 and refused.json()["code"] == "forbidden"


async def test_untracked_objects_are_of_no_session_and_never_written(client, app):
    _, case = await _case(client, app)
    async with app.state.sessionmaker() as s:
        read = await repository.get(s, case["id"], tracked=False)
        tracked = await repository.get(s, case["id"])
        assert read is not None and tracked is not None and read is not tracked
        assert inspect(read).transient and read not in s
        assert all(inspect(x).transient for x in [*read.assignments, *read.events])
        assert [a.id for a in read.assignments] == [a.id for a in tracked.assignments]
        assert [e.id for e in read.events] == [e.id for e in tracked.events]
        for prop in inspect(Case).column_attrs:
            assert read.__dict__[prop.key] == tracked.__dict__[prop.key], prop.key
        tracked.title = "会话里未写入的标题"  # the session's own object, changed and not flushed
        again = await repository.get(s, case["id"], tracked=False)
        assert again is not None and again.title == case["title"]  # the stored row, not the session's change
        assert tracked.title == "会话里未写入的标题"  # and the session's object left as it was
        read.title = "不会写入"
        read.events[0].reason = "不会写入"
        s.expunge(tracked)
        await s.commit()
    async with app.state.sessionmaker() as s:
        stored = (await s.execute(select(Case).where(Case.id == case["id"]))).scalar_one()
        assert stored.title == case["title"]
