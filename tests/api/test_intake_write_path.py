"""The lean intake write path: one transaction per intake (idempotency claim, case, assignments, events, outbox,
notifications, figures and the stored answer), replays, concurrent same-key requests, and all-or-nothing."""

import asyncio

from sqlalchemy import event, func, select

from app.core.direct import Direct
from app.core.errors import AppError
from app.hotline import service as hotline_service
from app.models import (
    Assignment,
    Case,
    CaseEvent,
    IdempotencyKey,
    MetricCaseFacts,
    Notification,
    OutboxEvent,
)
from tests import factories as f

CALL = f.HOTLINE_CALL
WRITES = ("INSERT INTO idempotency_keys", "INSERT INTO cases", "INSERT INTO assignments", "INSERT INTO case_events",
          "INSERT INTO outbox", "INSERT INTO notifications", "UPDATE idempotency_keys", "INSERT INTO metric_case_facts")
WRITTEN = (Case, Assignment, CaseEvent, OutboxEvent, Notification, IdempotencyKey, MetricCaseFacts)


async def _counts(app) -> dict[str, int]:
    async with app.state.sessionmaker() as s:
        return {m.__name__: (await s.execute(select(func.count()).select_from(m))).scalar_one() for m in WRITTEN}


async def test_an_intake_writes_every_row_in_one_transaction(client, app):
    agent = await f.login_as(app, "agent")
    first = await client.post("/hotline/orders", json=CALL, headers={**agent, "Idempotency-Key": "w-0"})
    assert first.status_code == 201, first.text  # PostgreSQL reserves its block of case numbers here
    # Which transaction each of the intake's statements ran in (a connection's begin opens a new one).
    current: dict[int, int] = {}
    ran: dict[str, set[int]] = {}
    opened = iter(range(1, 1000))

    def began(conn) -> None:
        current[id(conn)] = next(opened)

    def statement(conn, _cursor, sql, *_args) -> None:
        for name in WRITES:
            if sql.lstrip().startswith(name):
                ran.setdefault(name, set()).add(current.get(id(conn), 0))

    sync = app.state.engine.sync_engine
    event.listen(sync, "begin", began)
    event.listen(sync, "before_cursor_execute", statement)
    Direct.observers.append(statement)  # the statements handed to the driver directly, on the same connection
    try:
        r = await client.post("/hotline/orders", json={**CALL, "caller_phone": "13800138009"},
                              headers={**agent, "Idempotency-Key": "w-1"})
    finally:
        event.remove(sync, "begin", began)
        event.remove(sync, "before_cursor_execute", statement)
        Direct.observers.remove(statement)
    assert r.status_code == 201, r.text
    # The claim, the case and its rows, the receipts, the stored answer and the figures: one transaction.
    assert set(ran) == set(WRITES) and len(set().union(*ran.values())) == 1, ran
    order = r.json()
    async with app.state.sessionmaker() as s:
        case = await s.get(Case, order["id"])
        assert case is not None and case.status == "dispatched" and case.number == order["number"]
        assert case.lead_unit_id == order["lead_unit"]["id"] and case.handle_due is not None
        assert case.sign_due is not None and case.dispatched_at is not None and case.version == 1
        assert case.search_text  # the words are cut before the row is written, with it
        units = [(a.unit_id, a.role, a.active) for a in (await s.execute(
            select(Assignment).where(Assignment.case_id == case.id).order_by(Assignment.id))).scalars()]
        assert units[0] == (order["lead_unit"]["id"], "lead", True)
        assert [u for u, role, _ in units if role == "co"] == order["routing"]["co_unit_ids"]
        events = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case.id)
                                  .order_by(CaseEvent.id))).scalars().all()
        assert [(e.type, e.from_status, e.to_status) for e in events] == [
            ("create", None, "received"), ("dispatch", "received", "dispatched")]
        assert [e["id"] for e in order["timeline"]] == [e.id for e in events]
        outbox = (await s.execute(select(OutboxEvent).where(OutboxEvent.case_id == case.id))).scalars().all()
        # The lead and the co-handlers hear of the dispatch; each saw the case as its event left it.
        assert sorted(o.unit_id for o in outbox) == sorted(u for u, _, _ in units)
        assert {o.type for o in outbox} == {"dispatch"}
        assert all(o.body["case"]["status"] == "dispatched" for o in outbox)
        receipts = (await s.execute(select(Notification).where(Notification.case_id == case.id))).scalars().all()
        assert [n.params.get("unit_id") for n in receipts] == [case.lead_unit_id] * len(receipts)
        key = (await s.execute(select(IdempotencyKey).where(IdempotencyKey.key == "w-1"))).scalar_one()
        assert (key.state, key.response_status, key.response_body["id"]) == ("done", 201, case.id)
        assert (await s.get(MetricCaseFacts, case.id)) is not None  # the figures, in the same transaction


async def test_a_replay_answers_the_first_answer_and_writes_nothing(client, app):
    agent = await f.login_as(app, "agent")
    headers = {**agent, "Idempotency-Key": "replay-1"}
    first = await client.post("/hotline/orders", json=CALL, headers=headers)
    assert first.status_code == 201, first.text
    before = await _counts(app)
    again = await client.post("/hotline/orders", json=CALL, headers=headers)
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true"
    assert again.json() == first.json() and again.headers["etag"] == first.headers["etag"]
    assert await _counts(app) == before
    other = await client.post("/hotline/orders", json={**CALL, "description": CALL["description"] + "，很吵"},
                              headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    assert await _counts(app) == before


async def test_concurrent_intakes_under_one_key_make_one_case(client, app):
    agent = await f.login_as(app, "agent")
    headers = {**agent, "Idempotency-Key": "burst-1"}
    responses = await asyncio.gather(*(client.post("/hotline/orders", json=CALL, headers=headers)
                                       for _ in range(8)))
    codes = [r.status_code for r in responses]
    assert all(c in (201, 409) for c in codes), [r.text for r in responses if r.status_code not in (201, 409)]
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"idempotency_in_flight"}
    ids = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(ids) == 1
    counts = await _counts(app)
    assert counts["Case"] == 1 and counts["IdempotencyKey"] == 1 and counts["MetricCaseFacts"] == 1
    async with app.state.sessionmaker() as s:
        creates = (await s.execute(select(func.count()).select_from(CaseEvent)
                                   .where(CaseEvent.type == "create"))).scalar_one()
        assert creates == 1
    again = await client.post("/hotline/orders", json=CALL, headers=headers)
    assert (again.status_code, again.json()["id"]) == (201, ids.pop())


async def test_a_failure_after_the_case_is_written_leaves_nothing(client, app, monkeypatch):
    agent = await f.login_as(app, "agent")
    before = await _counts(app)

    async def refuse(*_args, **_kwargs):  # runs after the case, its assignments, events and outbox are written
        raise AppError("validation_failed", 422)

    monkeypatch.setattr(hotline_service.files, "link", refuse)
    headers = {**agent, "Idempotency-Key": "fails-once"}
    failed = await client.post("/hotline/orders", json=CALL, headers=headers)
    assert failed.status_code == 422
    assert await _counts(app) == before  # no case, assignment, event, outbox row, receipt, figure or claimed key
    monkeypatch.undo()
    retried = await client.post("/hotline/orders", json=CALL, headers=headers)
    assert retried.status_code == 201 and "idempotent-replayed" not in retried.headers
    counts = await _counts(app)
    assert counts["Case"] == before["Case"] + 1 and counts["IdempotencyKey"] == before["IdempotencyKey"] + 1


async def test_a_held_call_is_written_received_without_assignments(client, app):
    agent = await f.login_as(app, "agent")
    r = await client.post("/hotline/orders", json={**CALL, "hold": True}, headers={**agent, "Idempotency-Key": "h"})
    assert r.status_code == 201, r.text
    async with app.state.sessionmaker() as s:
        case = await s.get(Case, r.json()["id"])
        assert case is not None and case.status == "received" and case.lead_unit_id is None
        assert (await s.execute(select(func.count()).select_from(Assignment)
                                .where(Assignment.case_id == case.id))).scalar_one() == 0
        types = (await s.execute(select(CaseEvent.type).where(CaseEvent.case_id == case.id))).scalars().all()
        assert types == ["create"]
        assert (await s.execute(select(func.count()).select_from(OutboxEvent)
                                .where(OutboxEvent.case_id == case.id))).scalar_one() == 0
