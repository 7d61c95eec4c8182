"""Units the catalogue retired or moved (机构改革: a unit closed, merged, or given another place or kind): the
open cases they can no longer hold routed again. Never commits.

Called by the import that changed the units, after its rows are written and before it commits, through the
kernel's `units_changed_listeners` (app/core/plugins.py). Each open case on which a changed unit holds an active
assignment is decided again under the new catalogue, its category and place unchanged. When the decision still
names every changed unit that holds it (a unit moved within what it serves, or given a new phone), the case keeps
its routing, as every open case does when the catalogue changes. Otherwise it is routed again exactly as a
dispatcher's change of category or place re-routes it (`service.update`): units that drop out are ended
(`rerouted`) and told through the outbox, units that come in are dispatched with their own sign-for deadlines, a new
lead starts a new clock, and a `reroute` event carries the decision's trace. A case the router can no longer give
to a unit of the rule's kind (only the backstop, or no unit at all), or whose rule's co-handling kind a dropped
unit was the only one of, is stranded: then nothing is written and the import is refused, naming the unit.
"""

from collections.abc import Mapping
from typing import Any

from app.cases import repository
from app.cases.dispatching import apply_decision, decide_lead
from app.cases.due_changes import handling_class_changed
from app.cases.lifecycle import Status
from app.core.context import Ctx
from app.core.errors import AppError
from app.models import Case, Unit
from app.routing.rules import Decision

RETIRED = "单位撤并，按现行派单目录重新派单 / the unit was retired: routed again under the catalogue in force"
MOVED = ("单位辖区或类型调整，按现行派单目录重新派单 / the unit's jurisdiction or kind changed: routed again "
         "under the catalogue in force")


def _named(decision: Decision) -> set[int]:
    return {u.id for u in (decision.lead, *decision.co_handlers) if u.id is not None}


def _stranded(case: Case, decision: Decision, dropped: Mapping[int, str]) -> bool:
    """`dropped`: the changed units the decision no longer names, with the kind each had before the import."""
    if decision.fallback and not case.routing_fallback:
        return True  # no unit of the rule's lead kind has jurisdiction any more: only the backstop
    named = {u.kind for u in decision.co_handlers}
    wanted = set(decision.rule.co_kinds) if decision.rule is not None and not decision.fallback else set()
    lost = {dropped[a.unit_id] for a in case.assignments if a.active and a.unit_id in dropped}
    return bool((lost & wanted) - named)


async def units_changed(ctx: Ctx, kinds_before: Mapping[int, str], dry_run: bool) -> dict[int, tuple[int, int]]:
    """`kinds_before`: the retired or moved units' ids, each with the kind it had before the import. By unit, (open
    cases moved away from it, open cases no unit can take); writes only when none is stranded and this is no dry
    run."""
    units = {u.id: u for u in [await ctx.session.get(Unit, i) for i in kinds_before] if u is not None and u.id}
    cases = await repository.open_held_by(ctx.session, list(units))
    plans: list[tuple[Case, Decision, list[int]]] = []
    moved: dict[int, int] = {}
    stranded: dict[int, int] = {}
    for case in cases:
        holders = sorted({a.unit_id for a in case.assignments if a.active and a.unit_id in units})
        try:
            decision: Decision | None = await decide_lead(ctx, case)
        except AppError:
            decision = None
        dropped = [u for u in holders if decision is None or u not in _named(decision)]
        if not dropped:
            continue
        if decision is None or _stranded(case, decision, {u: kinds_before[u] for u in dropped}):
            for unit_id in dropped:
                stranded[unit_id] = stranded.get(unit_id, 0) + 1
            continue
        moved[dropped[0]] = moved.get(dropped[0], 0) + 1
        plans.append((case, decision, dropped))
    if not dry_run and not stranded:
        for case, decision, dropped in plans:
            await _reroute(ctx, case, decision, [units[u] for u in dropped])
        await ctx.session.flush()
    return {u: (moved.get(u, 0), stranded.get(u, 0)) for u in units}


async def _reroute(ctx: Ctx, case: Case, decision: Decision, dropped: list[Unit]) -> None:
    status_before, lead_before, class_before = case.status, case.lead_unit_id, case.handling_class
    retired = [u.id for u in dropped if not u.active]
    data: dict[str, Any] = {"retired_unit_ids": retired, "moved_unit_ids": [u.id for u in dropped if u.active],
                            "decision": {"lead_unit_id": decision.lead.id,
                                         "rule_id": decision.rule.id if decision.rule else None,
                                         "fallback": decision.fallback, "trace": decision.trace_dicts()}}
    data.update(await apply_decision(ctx, case, decision))
    if case.lead_unit_id != lead_before:
        case.status = Status.dispatched
    elif case.handling_class != class_before:
        data["handling_class"] = await handling_class_changed(ctx, case, class_before)
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "reroute", from_status=status_before, to_status=case.status,
              reason=RETIRED if retired else MOVED, data=data)
