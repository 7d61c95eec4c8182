"""The invariants catch what they say they catch: a district after a few steps passes, and each kind of damage
done behind the API's back (a lead assignment ended, an outbox row lost, a deadline moved onto a rest day, a
timeline event rewritten) is named by the invariant that guards it."""

import random
from datetime import UTC, datetime

import pytest
from sqlalchemy import delete, select, update

from app.models import Assignment, Case, CaseEvent, OutboxEvent
from tests.pii_logs import LogScanner
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
    return caught.value.invariant


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
