"""Staged rows (`app.core.staged`): written through the driver when the session flushes or commits, as the
unit of work would have written them, on both databases: ids set and children's foreign keys with them, the
rows the session's own afterwards (a later change is an update), nothing written when the transaction or the
savepoint they belong to rolls back, and an error in one of them taking the whole transaction with it."""

from datetime import UTC, datetime

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import func, inspect, select

from app.core.rows import new_row
from app.core.staged import pending, stage
from app.models import CaseEvent, Notification, NotificationDelivery, OutboxEvent
from tests import factories as f

AT = datetime(2026, 12, 7, 9, 30, 0, 250000, tzinfo=UTC)


async def _case(client, app) -> dict:
    return await f.case(client, await f.login_as(app, "agent"))


def _event(case_id: int, type_: str, **data) -> CaseEvent:
    return new_row(CaseEvent, case_id=case_id, at=AT, type=type_, actor_role="agent", data={"说": "话", **data})


def _outbox(case: dict, uid: str) -> OutboxEvent:
    lead = case["assignments"][0]["unit"]["id"]
    return new_row(OutboxEvent, event_uid=uid, unit_id=lead, case_id=case["id"], type="note",
                   body={"event_id": uid, "case": {"id": case["id"]}}, created_at=AT, next_attempt_at=AT)


async def _count(app, model, *where) -> int:
    async with app.state.sessionmaker() as s:
        return int((await s.execute(select(func.count()).select_from(model).where(*where))).scalar_one())


async def _stored(app, *types: str) -> dict[str, int]:
    """How many events of each type are stored."""
    return {t: await _count(app, CaseEvent, CaseEvent.type == t) for t in types}


async def test_a_flush_writes_them_in_order_with_ids_and_children(client, app):
    case = await _case(client, app)
    before = await _count(app, CaseEvent, CaseEvent.case_id == case["id"])
    async with app.state.sessionmaker() as s:
        first, second = _event(case["id"], "staged_a", n=1), _event(case["id"], "staged_b", n=2)
        note = new_row(Notification, case_id=case["id"], template="receipt", params={"unit_id": 1}, created_at=AT)
        note.deliveries = [new_row(NotificationDelivery, channel="sms", recipient_key="p:x", dedup_key="d" * 64,
                                   phone="13800138000", next_attempt_at=AT, created_at=AT)]
        for row in (first, note, second):
            stage(s, row)
        assert pending(s) == [first, note, second] and first.id is None
        await s.flush()
        assert pending(s) == []
        assert first.id is not None and second.id is not None and first.id < second.id  # the order staged
        delivery = note.deliveries[0]
        assert note.id is not None and delivery.id is not None and delivery.notification_id == note.id
        for row in (first, second, note, delivery):
            assert inspect(row).persistent and row in s  # the session's own, as if loaded
            assert not s.is_modified(row)
        second.reason = "改过了"  # a change after the write is the session's to flush: an update
        await s.commit()
    async with app.state.sessionmaker() as s:
        events = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case["id"])
                                  .order_by(CaseEvent.id))).scalars().all()
        stored_delivery = await s.get(NotificationDelivery, delivery.id)
    assert len(events) == before + 2
    assert [(e.type, e.data, e.at, e.reason) for e in events[-2:]] == [
        ("staged_a", {"说": "话", "n": 1}, AT, None), ("staged_b", {"说": "话", "n": 2}, AT, "改过了")]
    assert stored_delivery is not None and stored_delivery.phone == "13800138000"  # decrypted as read
    assert stored_delivery.notification_id == note.id


async def test_a_commit_writes_them_without_a_flush(client, app):
    case = await _case(client, app)
    async with app.state.sessionmaker() as s:
        stage(s, _event(case["id"], "staged_commit"))
        stage(s, _outbox(case, "staged-commit-1"))
        await s.commit()
    assert await _stored(app, "staged_commit") == {"staged_commit": 1}
    assert await _count(app, OutboxEvent, OutboxEvent.event_uid == "staged-commit-1") == 1


async def test_a_rollback_forgets_them_and_the_session_goes_on(client, app):
    case = await _case(client, app)
    async with app.state.sessionmaker() as s:
        stage(s, _event(case["id"], "staged_gone"))
        await s.rollback()
        assert pending(s) == []
        stage(s, _event(case["id"], "staged_kept"))
        await s.commit()
    assert await _stored(app, "staged_gone", "staged_kept") == {"staged_gone": 0, "staged_kept": 1}


async def test_a_rolled_back_savepoint_takes_only_the_rows_staged_inside_it(client, app):
    case = await _case(client, app)
    async with app.state.sessionmaker() as s:
        outside = _event(case["id"], "staged_outside")
        stage(s, outside)
        savepoint = await s.begin_nested()  # writes what was staged before it
        assert outside.id is not None
        stage(s, _event(case["id"], "staged_inside"))
        await savepoint.rollback()
        assert pending(s) == []
        await s.commit()
    assert await _stored(app, "staged_outside", "staged_inside") == {"staged_outside": 1, "staged_inside": 0}


async def test_an_error_in_one_row_leaves_nothing_of_the_transaction(client, app):
    case = await _case(client, app)
    async with app.state.sessionmaker() as s:
        stage(s, _event(case["id"], "staged_doomed"))
        stage(s, _outbox(case, "staged-twice"))
        stage(s, _outbox(case, "staged-twice"))  # the outbox's unique event id
        with pytest.raises(sa_exc.IntegrityError):
            await s.commit()
        await s.rollback()
    assert await _stored(app, "staged_doomed") == {"staged_doomed": 0}
    assert await _count(app, OutboxEvent, OutboxEvent.event_uid == "staged-twice") == 0
