"""What the kinds' steps and invariants share: a recent case as its lead unit sees it, a kind's cases among those
read with their timelines, and the stage chain."""

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from app.models import Case, CaseEvent, User
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


Timeline = list[tuple[Case, list[CaseEvent]]]  # cases, each with its timeline in order


def of_kind(loaded: Timeline, kind: str) -> Timeline:
    """The cases of `kind` among those read (tests/simulation/invariants.py `check_cases` reads them once)."""
    return [(case, events) for case, events in loaded if case.kind == kind]


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


async def leader_ids(w: World) -> set[int]:
    """The users with the leader flag (分管领导): the only ones whose overrides count."""
    async with w.app.state.sessionmaker() as session:
        return set((await session.execute(select(User.id).where(User.leader.is_(True)))).scalars())


def signed_off(override: dict[str, Any] | None, leaders: set[int]) -> bool:
    """An override a leader gave with a reason (four characters or more)."""
    override = override or {}
    return len((override.get("reason") or "").strip()) >= 4 and override.get("by_user_id") in leaders
