"""Objects read through `Direct` (`app.core.loads`), on both databases: the same values, of the same types, as the
ORM's own load of the row; persistent objects of the session with no history; the object the session holds
already refreshed rather than duplicated (as the ORM statements they replace, `populate_existing`); a change
afterwards flushed as an update; relationships not loaded still refuse to load lazily."""

import pytest
from sqlalchemy import bindparam, inspect, select
from sqlalchemy.exc import InvalidRequestError

from app.cases import repository
from app.core.loads import Load
from app.models import Assignment, Case, CaseEvent
from tests import factories as f

_EVENTS_OF_CASE = Load(CaseEvent, CaseEvent.case_id == bindparam("case_id"), order_by=(CaseEvent.id,))


def _values(obj) -> dict:
    return {prop.key: obj.__dict__[prop.key] for prop in inspect(type(obj)).column_attrs}


async def _case_id(client, app) -> int:
    headers = await f.login_as(app, "agent")
    case = await f.case(client, headers, description="楼下烧烤摊天天吵到半夜，油烟也大")
    assert len(case["timeline"]) >= 2  # created and dispatched: more than one row of a child table
    return int(case["id"])


@pytest.mark.parametrize("model", [Case, Assignment, CaseEvent])
async def test_the_same_values_and_types_as_the_orms_load(client, app, model):
    case_id = await _case_id(client, app)
    where = (model.id if model is Case else model.case_id) == bindparam("case_id")
    async with app.state.sessionmaker() as s:
        loaded = await Load(model, where, order_by=(model.id,)).all(s, {"case_id": case_id})
    async with app.state.sessionmaker() as s:
        orm = list((await s.execute(select(model).where(where).order_by(model.id), {"case_id": case_id})).scalars())
    assert loaded and len(loaded) == len(orm)
    for mine, theirs in zip(loaded, orm, strict=True):
        assert _values(mine) == _values(theirs)
        assert {k: type(v) for k, v in _values(mine).items()} == {k: type(v) for k, v in _values(theirs).items()}


async def test_persistent_without_history_and_a_change_is_an_update(client, app):
    case_id = await _case_id(client, app)
    async with app.state.sessionmaker() as s:
        case = await repository.get(s, case_id)
        assert case is not None and inspect(case).persistent and case in s and not s.is_modified(case)
        assert all(inspect(e).persistent and not s.is_modified(e) for e in [*case.assignments, *case.events])
        assert not s.new and not s.dirty  # nothing for the next flush to write
        version = case.version
        case.title = "夜间烧烤噪音"
        case.events[0].reason = "补记"
        await s.commit()
    async with app.state.sessionmaker() as s:
        again = await s.get(Case, case_id)
        first_event = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case_id)
                                       .order_by(CaseEvent.id))).scalars().first()
    assert again is not None and again.title == "夜间烧烤噪音" and again.version == version
    assert first_event is not None and first_event.reason == "补记"


async def test_a_second_read_refreshes_the_object_the_session_holds(client, app):
    case_id = await _case_id(client, app)
    async with app.state.sessionmaker() as s:
        case = await repository.get(s, case_id)
        assert case is not None
        case.title = "未写入的改动"  # dropped by the read, as populate_existing drops it
        events = list(case.events)
        again = await repository.get(s, case_id)
        assert again is case and case.title != "未写入的改动" and not s.is_modified(case)
        assert [id(e) for e in again.events] == [id(e) for e in events]  # the same objects, not copies
        assert await _EVENTS_OF_CASE.all(s, {"case_id": case_id}) == events


async def test_without_refresh_the_object_held_is_returned_as_it_stands(client, app):
    case_id = await _case_id(client, app)
    plain = Load(Case, Case.id == bindparam("case_id"), refresh=False)  # as a plain ORM select
    async with app.state.sessionmaker() as s:
        case = await plain.first(s, {"case_id": case_id})
        assert case is not None
        case.title = "还没写入的改动"
        assert await plain.first(s, {"case_id": case_id}) is case and case.title == "还没写入的改动"
        assert s.is_modified(case)


async def test_an_unloaded_relationship_still_raises(client, app):
    case_id = await _case_id(client, app)
    async with app.state.sessionmaker() as s:
        case = await repository.get(s, case_id, with_children=False)
        assert case is not None and len(case.assignments) >= 1
        assert "events" not in inspect(case).expired_attributes  # not marked for a reload
        with pytest.raises(InvalidRequestError, match="lazy='raise'"):
            _ = case.events  # never a query behind the caller's back


async def test_none_when_no_row_matches(client, app):
    async with app.state.sessionmaker() as s:
        assert await repository.get(s, 987654321) is None
        assert await _EVENTS_OF_CASE.all(s, {"case_id": 987654321}) == []


async def test_the_locked_read_locks_on_postgresql_only(client, app):
    async with app.state.sessionmaker() as s:
        dialect = (await s.connection()).dialect
    sql = repository._CASE_BY_ID_LOCKED.direct._plan(dialect, frozenset({"case_id"})).sql  # noqa: SLF001
    assert ("FOR UPDATE" in sql) == (dialect.name == "postgresql")
