"""What the kinds' steps and invariants share: a recent case as its lead unit sees it, reading a kind's cases
with their timelines, and the stage chain."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Case, CaseEvent
from tests.simulation.world import Violation, World


async def as_lead_sees_it(w: World, recent: list[int]) -> tuple[dict[str, Any], dict[str, str], dict[str, Any]] | None:
    """One of the last 20 of `recent`: the case (as the administrator reads it), its lead unit's staff, and the case
    as they see it; None when it has no lead or they cannot read it."""
    case = await w.read(w.rnd.choice(recent[-20:]))
    if case is None or case["lead_unit"] is None:
        return None
    staff = await w.staff_of(case["lead_unit"]["id"])
    seen = await w.read(case["id"], staff)
    return None if seen is None else (case, staff, seen)


async def cases_with_events(session: AsyncSession, case_ids: set[int],
                            kind: str) -> list[tuple[Case, list[CaseEvent]]]:
    """The cases of `kind` among `case_ids`, each with its timeline in order."""
    cases = (await session.execute(select(Case).where(Case.id.in_(case_ids), Case.kind == kind))).scalars().all()
    if not cases:
        return []
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for e in (await session.execute(select(CaseEvent).where(CaseEvent.case_id.in_([c.id for c in cases]))
                                    .order_by(CaseEvent.id))).scalars():
        events[e.case_id].append(e)
    return [(c, events[c.id]) for c in cases]


def stage_chain(invariant: str, case: Case, events: Sequence[CaseEvent], first: str) -> None:
    """Each stage change on the timeline starts where the previous ended, from `first`, and the last is the
    case's stage."""
    stage = first
    for e in events:
        data = e.data or {}
        if "stage_to" not in data:
            continue
        if data.get("stage_from", stage) != stage:
            raise Violation(invariant, f"{case.kind} case {case.id} ({case.stage}): {e.type} from "
                                       f"{data.get('stage_from')} at {stage}")
        stage = data["stage_to"]
    if stage != case.stage:
        raise Violation(invariant, f"{case.kind} case {case.id} ({case.stage}): timeline ends at {stage}")
