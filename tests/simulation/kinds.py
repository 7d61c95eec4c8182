"""What the kinds' invariants share: reading a kind's cases with their timelines, and the stage chain."""

from collections import defaultdict
from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Case, CaseEvent
from tests.simulation.world import Violation


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
