"""A unit retired by the catalogue (机构改革: closed or merged): its open cases routed again. Never commits.

Called by the import that retired the units, after its rows are written and before it commits, through the
kernel's `units_retired_listeners` (app/core/plugins.py). Each open case on which a retired unit holds an active
assignment is routed again under the new catalogue, its category and place unchanged, exactly as a dispatcher's
change of category or place re-routes it (`service.update`): units that drop out are ended (`rerouted`) and told
through the outbox, units that come in are dispatched with their own sign-for deadlines, a new lead starts a new
clock, and a `reroute` event carries the decision's trace. A case the router can no longer give to a unit of the
rule's kind (only the backstop, or no unit at all), or whose rule's co-handling kind the retired unit was the only
one of, is stranded: then nothing is written and the import is refused, naming the unit.
"""

from collections.abc import Mapping, Sequence
from typing import Any

from app.cases import repository
from app.cases.dispatching import apply_decision, decide_lead
from app.cases.due_changes import handling_class_changed
from app.cases.lifecycle import Status
from app.core.context import Ctx
from app.core.errors import AppError
from app.models import Case, Unit
from app.routing.rules import Decision

REASON = "单位撤并，按现行派单目录重新派单 / the unit was retired: routed again under the catalogue in force"


def _stranded(case: Case, decision: Decision, retired: Mapping[int, Unit]) -> bool:
    if decision.fallback and not case.routing_fallback:
        return True  # no unit of the rule's lead kind has jurisdiction any more: only the backstop
    named = {u.kind for u in decision.co_handlers}
    wanted = set(decision.rule.co_kinds) if decision.rule is not None and not decision.fallback else set()
    lost = {retired[a.unit_id].kind for a in case.assignments if a.active and a.unit_id in retired}
    return bool((lost & wanted) - named)


async def units_retired(ctx: Ctx, unit_ids: Sequence[int], dry_run: bool) -> dict[int, tuple[int, int]]:
    """By retired unit, (open cases moved, open cases no unit can take); writes only when none is stranded and
    this is no dry run."""
    retired = {u.id: u for u in [await ctx.session.get(Unit, i) for i in unit_ids] if u is not None and u.id}
    cases = await repository.open_held_by(ctx.session, list(retired))
    plans: list[tuple[Case, Decision, list[int]]] = []
    moved: dict[int, int] = {}
    stranded: dict[int, int] = {}
    for case in cases:
        holders = sorted({a.unit_id for a in case.assignments if a.active and a.unit_id in retired})
        try:
            decision: Decision | None = await decide_lead(ctx, case)
        except AppError:
            decision = None
        if decision is None or _stranded(case, decision, retired):
            for unit_id in holders:
                stranded[unit_id] = stranded.get(unit_id, 0) + 1
            continue
        moved[holders[0]] = moved.get(holders[0], 0) + 1
        plans.append((case, decision, holders))
    if not dry_run and not stranded:
        for case, decision, holders in plans:
            await _reroute(ctx, case, decision, holders)
        await ctx.session.flush()
    return {u: (moved.get(u, 0), stranded.get(u, 0)) for u in retired}


async def _reroute(ctx: Ctx, case: Case, decision: Decision, holders: list[int]) -> None:
    status_before, lead_before, class_before = case.status, case.lead_unit_id, case.handling_class
    data: dict[str, Any] = {"retired_unit_ids": holders, "decision": {
        "lead_unit_id": decision.lead.id, "rule_id": decision.rule.id if decision.rule else None,
        "fallback": decision.fallback, "trace": decision.trace_dicts()}}
    data.update(await apply_decision(ctx, case, decision))
    if case.lead_unit_id != lead_before:
        case.status = Status.dispatched
    elif case.handling_class != class_before:
        data["handling_class"] = await handling_class_changed(ctx, case, class_before)
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "reroute", from_status=status_before, to_status=case.status, reason=REASON, data=data)
