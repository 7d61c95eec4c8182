"""The invariants catch what they say they catch: a district after a few steps passes, and each kind of damage
done behind the API's back (a lead assignment ended, an outbox row lost, a deadline moved onto a rest day, a
timeline event rewritten, a time-bank balance moved without its ledger, certified hours beyond their window, an
approval's check changed under it, an agreement sealed with a signature missing, a 容缺 supplement date moved, an
overdue one left standing, a termination not by the sweep, an affair's stage or promised date changed, a unit
retired or moved behind the import with its cases) is named by
the invariant that guards it: after the step that touched what was damaged, and by the full sweep with nothing
marked as touched."""

import random
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import delete, insert, select, update

from app.models import Assignment, CareVisit, Case, CaseEvent, OutboxEvent, ServiceHours, TimebankAccount, Unit
from app.worker import run_once
from tests.pii_logs import LogScanner
from tests.simulation import affair, aid, eldercare, mediation, timebank
from tests.simulation.actors import hotline_call, unit_staff
from tests.simulation.run import District
from tests.simulation.world import Violation, World


async def _district(app, client, clock) -> District:
    world = World(app, client, clock, random.Random(7))
    await world.setup()
    d = District(world, LogScanner())
    for _ in range(3):
        await hotline_call(world)
        await unit_staff(world)
        await d.check()
    return d


async def _damage_and_check(d: District, statement, case_id: int) -> str:
    async with d.world.app.state.sessionmaker() as session:
        await session.execute(statement)
        await session.commit()
    d.world.touched.add(case_id)
    with pytest.raises(Violation) as caught:
        await d.check()
    await _the_full_sweep_names(d, caught.value.invariant)
    return caught.value.invariant


async def _the_full_sweep_names(d: District, invariant: str) -> None:
    """The full sweep finds the same damage with nothing marked as touched."""
    d.world.touched, d.world.touched_tasks, d.world.touched_people = set(), set(), set()
    with pytest.raises(Violation) as caught:
        await d.check_everything()
    assert caught.value.invariant == invariant


async def test_a_lead_assignment_ended_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    case_id = d.world.cases[0]
    name = await _damage_and_check(d, update(Assignment).where(Assignment.case_id == case_id,
                                                                Assignment.role == "lead").values(active=False),
                                   case_id)
    assert name in ("one_active_lead", "assignments_replay_the_timeline")


async def test_a_lost_outbox_row(app, client, clock):
    d = await _district(app, client, clock)
    await hotline_call(d.world)
    case_id = d.world.cases[-1]
    name = await _damage_and_check(d, delete(OutboxEvent).where(OutboxEvent.case_id == case_id), case_id)
    assert name == "outbox_one_row_per_unit"


async def test_a_deadline_on_a_rest_day(app, client, clock):
    d = await _district(app, client, clock)
    case_id = d.world.cases[0]
    sunday = datetime(2026, 11, 29, 15, 59, 59, tzinfo=UTC)  # Sunday 29 November, 23:59:59 in Shenzhen
    name = await _damage_and_check(d, update(Case).where(Case.id == case_id).values(handle_due=sunday), case_id)
    assert name in ("deadlines_on_working_days", "handling_due_is_fresh")


async def test_a_rewritten_timeline(app, client, clock):
    d = await _district(app, client, clock)
    case_id = d.world.cases[0]
    async with app.state.sessionmaker() as session:
        first = (await session.execute(select(CaseEvent.id).where(CaseEvent.case_id == case_id)
                                       .order_by(CaseEvent.id))).scalars().first()
    name = await _damage_and_check(d, update(CaseEvent).where(CaseEvent.id == first).values(type="edited"), case_id)
    assert name == "timeline_append_only"


async def _damage_kinds(d: District, statement, case_id: int | None = None, task_id: int | None = None) -> str:
    async with d.world.app.state.sessionmaker() as session:
        await session.execute(statement)
        await session.commit()
    if case_id is not None:
        d.world.touched.add(case_id)
    if task_id is not None:
        d.world.touched_tasks.add(task_id)
    with pytest.raises(Violation) as caught:
        await d.check()
    await _the_full_sweep_names(d, caught.value.invariant)
    return caught.value.invariant


async def test_a_balance_moved_without_its_ledger(app, client, clock):
    d = await _district(app, client, clock)
    volunteer = await timebank.join(d.world)
    assert volunteer is not None
    await d.check()
    name = await _damage_kinds(d, insert(TimebankAccount).values(person_id=volunteer["person_id"], minutes=90,
                                                                 created_at=clock.now()))
    assert name == "timebank_balance_is_its_ledger"


async def test_hours_certified_beyond_the_window(app, client, clock):
    d = await _district(app, client, clock)
    w = d.world
    while not w.volunteers:
        await timebank.join(w)
    hours = None
    for _ in range(5):  # a task whose skills no volunteer has, or whose attendance fell outside it, certifies none
        task_id = await timebank.publish(w)
        assert task_id is not None
        for _ in range(3):
            await timebank.attend(w, task_id)  # signs up
        clock.advance(days=3)  # the task is over; the organiser records its attendance after the fact
        for _ in range(20):
            await timebank.attend(w, task_id)
            await d.check()
        async with app.state.sessionmaker() as session:
            hours = (await session.execute(select(ServiceHours).where(ServiceHours.task_id == task_id))
                     ).scalars().first()
        if hours is not None:
            break
    assert hours is not None
    name = await _damage_kinds(d, update(ServiceHours).where(ServiceHours.id == hours.id).values(
        minutes=hours.minutes + 30), task_id=task_id)
    assert name == "certified_hours_inside_their_window"


async def test_an_approval_whose_check_was_changed_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    w = d.world
    approved = None
    for _ in range(400):
        await (aid.apply(w) if len(w.aid) < 6 else aid.station(w))
        if w.rnd.random() < 0.1:
            clock.advance(days=2)
            await run_once(app.state)
        await d.check()
        async with app.state.sessionmaker() as session:
            approved = (await session.execute(select(Case).where(Case.kind == "aid", Case.stage == "approved")
                                              )).scalars().first()
        if approved is not None and not approved.payload["decision"].get("override"):
            break
    assert approved is not None and not approved.payload["decision"].get("override")
    ineligible = {**approved.payload["eligibility"], "eligible": False}
    name = await _damage_kinds(d, update(Case).where(Case.id == approved.id).values(
        payload={**approved.payload, "eligibility": ineligible}), approved.id)
    assert name == "aid_approval_holds_to_the_check"


async def test_an_agreement_sealed_with_a_signature_missing(app, client, clock):
    d = await _district(app, client, clock)
    w = d.world
    sealed = None
    for _ in range(300):
        await (mediation.file(w) if len(w.mediation) < 3 else mediation.committee(w))
        await d.check()
        async with app.state.sessionmaker() as session:
            sealed = (await session.execute(select(Case).where(Case.kind == "mediation",
                                                               Case.stage == "agreement_effective"))).scalars().first()
        if sealed is not None:
            break
    assert sealed is not None
    agreement = sealed.payload["agreement"]
    signatures = agreement["signatures"]
    unsigned = {**agreement, "signatures": {**signatures, "parties": signatures["parties"][1:]}}
    name = await _damage_kinds(d, update(Case).where(Case.id == sealed.id).values(
        payload={**sealed.payload, "agreement": unsigned}), sealed.id)
    assert name == "mediation_agreement_effective_only_when_signed"


async def _tolerated(d: District) -> dict:
    """An application the centre accepted with materials to follow (容缺), through the API."""
    w = d.world
    for _ in range(200):
        case_id = await affair.apply(w)
        await d.check()
        if case_id is None:
            continue
        case = await w.read(case_id)
        if case is None or case["lead_unit"] is None:
            continue
        staff = await w.staff_of(case["lead_unit"]["id"])
        seen = await w.read(case_id, staff)
        if seen is not None and "accept_pending" in seen["allowed_actions"]:
            r = await w.act(staff, seen, "accept_pending", {"promise": "本人承诺按期补齐材料"})
            assert r.status_code == 200, r.text
            await d.check()
            return r.json()
    raise AssertionError("no application could be accepted with materials to follow")


async def test_a_supplement_date_moved_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    case = await _tolerated(d)
    due = datetime.fromisoformat(case["stage_due"].replace("Z", "+00:00"))
    name = await _damage_kinds(d, update(Case).where(Case.id == case["id"]).values(
        stage_due=due + timedelta(days=7)), case["id"])
    assert name == "affair_supplement_deadline"


async def test_a_tolerated_application_past_its_date_left_standing_by_the_sweep(app, client, clock):
    d = await _district(app, client, clock)
    case = await _tolerated(d)
    clock.advance(days=1)
    d.world.swept_at = clock.now()  # a sweep ran now; the application is made overdue behind the API's back
    name = await _damage_kinds(d, update(Case).where(Case.id == case["id"]).values(
        stage_due=clock.now() - timedelta(hours=1)), case["id"])
    assert name == "affair_supplement_deadline"


async def test_a_termination_not_by_the_sweep(app, client, clock):
    d = await _district(app, client, clock)
    case = await _tolerated(d)
    clock.advance(days=40)
    await run_once(app.state)
    d.world.swept_at = clock.now()
    await d.check()
    terminated = await d.world.read(case["id"])
    assert terminated is not None and terminated["stage"] == "terminated"
    name = await _damage_kinds(d, update(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                          CaseEvent.type == "terminate").values(
        actor_role="unit_staff"), case["id"])
    assert name == "affair_supplement_deadline"


async def test_an_affair_stage_changed_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    case = await _tolerated(d)
    name = await _damage_kinds(d, update(Case).where(Case.id == case["id"]).values(stage="accepted", stage_due=None),
                               case["id"])
    assert name == "affair_stage_replays_the_timeline"


async def test_a_promised_date_moved_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    case = await _tolerated(d)
    due = datetime.fromisoformat(case["deadlines"]["handle_due"].replace("Z", "+00:00"))
    name = await _damage_kinds(d, update(Case).where(Case.id == case["id"]).values(handle_due=due + timedelta(days=7)),
                               case["id"])
    assert name in ("affair_promised_due", "deadlines_on_working_days")


async def test_a_unit_retired_behind_the_api_keeps_its_cases(app, client, clock):
    """A unit retired without the import (so its open cases were not routed again) still holds work."""
    d = await _district(app, client, clock)
    case_id = d.world.cases[0]
    async with app.state.sessionmaker() as session:
        unit_id = (await session.execute(select(Assignment.unit_id).where(
            Assignment.case_id == case_id, Assignment.active.is_(True)).limit(1))).scalar_one()
    d.world.retired.add(unit_id)
    name = await _damage_and_check(d, update(Unit).where(Unit.id == unit_id).values(active=False), case_id)
    assert name == "no_work_on_retired_units"


async def test_a_unit_moved_behind_the_api_keeps_its_cases(app, client, clock):
    """A lead given another district's jurisdiction without the import (so its open cases were not routed again)
    no longer serves their place."""
    d = await _district(app, client, clock)
    case_id = d.world.cases[0]
    async with app.state.sessionmaker() as session:
        lead = (await session.execute(select(Case.lead_unit_id).where(Case.id == case_id))).scalar_one()
        await session.execute(update(Unit).where(Unit.id == lead).values(region_code="440305000000"))
        await session.commit()
    await d.world.units_changed()
    d.world.touched.add(case_id)
    with pytest.raises(Violation) as caught:
        await d.check()
    assert caught.value.invariant == "lead_holds_the_place"
    await _the_full_sweep_names(d, "lead_holds_the_place")


async def _an_order_with_a_visit(app, clock, d: District) -> tuple[Case, CareVisit]:
    """An eldercare order with a visit booked (by rule, so its subsidy is the check's), after real steps."""
    w = d.world
    while not any(v["parent"] for v in w.volunteers):
        await timebank.join(w)
    for _ in range(200):
        await (eldercare.order(w) if not w.care or w.rnd.random() < 0.1 else eldercare.workstation(w))
        if w.rnd.random() < 0.1:
            clock.advance(hours=2)
        await d.check()
        async with app.state.sessionmaker() as session:
            found = (await session.execute(select(Case, CareVisit).join(CareVisit, CareVisit.case_id == Case.id)
                                           .where(Case.stage == "scheduled", CareVisit.status == "scheduled")
                                           )).first()
        if found is not None:
            return found[0], found[1]
    raise AssertionError("no visit booked in 200 steps")


async def test_a_visit_cancelled_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    case, visit = await _an_order_with_a_visit(app, clock, d)
    name = await _damage_kinds(d, update(CareVisit).where(CareVisit.id == visit.id).values(status="cancelled"),
                               case.id)
    assert name == "care_stage_follows_its_visits"


async def test_a_visit_done_without_its_times(app, client, clock):
    d = await _district(app, client, clock)
    case, visit = await _an_order_with_a_visit(app, clock, d)
    # Its status and the order's counts agree (done), but nobody checked in or out.
    counts = {**case.payload["visits"], "scheduled": case.payload["visits"]["scheduled"] - 1}
    counts = {k: v for k, v in {**counts, "done": counts.get("done", 0) + 1}.items() if v}
    async with app.state.sessionmaker() as session:
        await session.execute(update(Case).where(Case.id == case.id).values(payload={**case.payload,
                                                                                      "visits": counts}))
        await session.commit()
    name = await _damage_kinds(d, update(CareVisit).where(CareVisit.id == visit.id).values(status="done", minutes=60),
                               case.id)
    assert name == "care_visits_add_up"


async def test_a_subsidy_raised_behind_the_api(app, client, clock):
    d = await _district(app, client, clock)
    case, _ = await _an_order_with_a_visit(app, clock, d)
    subsidy = case.payload["subsidy"]
    raised = {**subsidy, "by_rule": False, "level": "full" if subsidy["level"] != "full" else "basic",
              "percent": 100 if subsidy["level"] != "full" else 30}
    name = await _damage_kinds(d, update(Case).where(Case.id == case.id).values(
        payload={**case.payload, "subsidy": raised}), case.id)
    assert name == "care_subsidy_holds_to_the_check"
