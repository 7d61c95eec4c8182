"""Putting a case in a unit's hands: routing, assignments, the clock. Never commits."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.calendar.deadlines import Due, Limit, deadlines_at_dispatch, due_after
from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock
from app.cases.access import lead_assignment
from app.cases.kinds import get_kind
from app.cases.repository import place_copy
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError
from app.core.rows import new_row
from app.models import Assignment, Case, Unit
from app.routing import service as routing
from app.routing.rules import Decision, Facts, RoutingDataError


def facts_of(case: Case) -> Facts:
    return Facts(category_code=case.category_code, region_code=case.region_code,
                 work_order_type=case.work_order_type, urgency=case.urgency, kind=case.kind)


async def usable_unit(ctx: Ctx, unit_id: int, field: str = "unit_id") -> Unit:
    unit = await ctx.session.get(Unit, unit_id)
    if unit is None:
        raise AppError("unit_not_found", 422, unit_id=unit_id, field_errors=[{"field": field,
                                                                             "code": "unit_not_found"}])
    if not unit.active:
        raise AppError("unit_inactive", 422, unit_id=unit_id, field_errors=[{"field": field,
                                                                            "code": "unit_inactive"}])
    return unit


async def _restart_clock(ctx: Ctx, case: Case, *, new_round: bool = False) -> dict[str, Any]:
    """The clock for a new lead. A kind whose limit follows the case keeps its handling due (or its pause, while
    the applicant owes materials), extensions and overdue marks across a change of hands; only a new round of
    handling (a redo) starts it again."""
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    inherit = get_kind(case.kind).limit_follows_case and case.dispatched_at is not None and not new_round
    deadlines = deadlines_at_dispatch(
        profile, work_order_type=case.work_order_type, urgency=case.urgency, handling_class=case.handling_class,
        dispatched_at=ctx.now, calendar=calendar, zone=ZoneInfo(ctx.state.settings.timezone),
        handling_limit=kind_limit(case), inherited_handle_due=case.handle_due if inherit else None)
    before = {"sign_due": case.sign_due, "handle_due": case.handle_due, "return_until": case.return_until}
    case.sign_due, case.return_until = deadlines.sign_due, deadlines.return_until
    if inherit:
        case.sign_overdue_at = None  # a new signer; the handling due and its marks stand
    else:
        case.handle_due = deadlines.handle_due
        clear_oversight(case)
        case.extension_days_granted = 0
    for name, basis in deadlines.bases.items():  # a deadline in a year without its notice is re-planned later
        clock.remember(case, name, basis, Due(getattr(case, name), deadlines.complete[name]))
    case.dispatched_at = ctx.now
    case.signed_at = None
    case.extension_request = None
    case.extension_watch_at = None
    case.return_request = None
    described = {**deadlines.describe(), "handle_due": case.handle_due}
    return {"deadlines_before": {k: v.isoformat() if v else None for k, v in before.items()},
            "deadlines": {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in described.items()}}


def kind_limit(case: Case) -> Limit | None:
    plugin = get_kind(case.kind)
    return plugin.handling_limit(case) if plugin.handling_limit else None


async def decide_lead(ctx: Ctx, case: Case) -> Decision:
    """The category rules decide, unless the case's kind routes by its own facts (an affair's handling unit)."""
    plugin = get_kind(case.kind)
    if plugin.route is None:
        decision, _, _ = await routing.route(ctx.state, ctx.session, facts_of(case), at=ctx.now,
                                             profile_code=case.profile_code, kept_category=True)
        return decision
    snap = await routing.snapshot(ctx.state, ctx.session)
    try:
        return plugin.route(snap, case)
    except RoutingDataError as exc:
        raise AppError("internal_error", 500) from exc


def clear_oversight(case: Case) -> None:
    """A new deadline starts a new cycle of overdue marks, chases and supervision."""
    case.sign_overdue_at = case.handle_overdue_at = None
    case.chase_due = case.chased_at = case.supervise_due = case.supervised_at = None
    clock.forget(case, "chase_due", "supervise_due")


def new_assignment(ctx: Ctx, case: Case, unit_id: int, role: str, sign_due: datetime | None) -> Assignment:
    """A unit's new assignment to the case, with the case's place copied for the figures; the case's loaded
    assignments include it at once. A case not stored yet (no id: `open_case` routes it first) only gets the
    object: open_case writes it with the case."""
    # A case not stored yet has no id: the relationship (case.assignments) writes it when the case is flushed.
    owner: dict[str, Any] = {"case_id": case.id} if case.id is not None else {}
    assignment = new_row(Assignment, **owner, unit_id=unit_id, role=role, status="dispatched", dispatched_at=ctx.now,
                            sign_due=sign_due, **place_copy(case))
    if case.id is not None:
        ctx.session.add(assignment)
    case.assignments.append(assignment)
    return assignment


def _retire_lead(ctx: Ctx, case: Case, status: str) -> int | None:
    current = lead_assignment(case)
    if current is None:
        return None
    current.active = False
    current.status = status
    current.finished_at = ctx.now
    return current.unit_id


def decision_data(decision: Decision) -> dict[str, Any]:
    return {"rule_id": decision.rule.id if decision.rule else None, "fallback": decision.fallback,
            "tie": decision.tie, "handling_class": decision.handling_class, "trace": decision.trace_dicts()}


async def route_and_dispatch(ctx: Ctx, case: Case, *, unit_id: int | None = None) -> dict[str, Any]:
    """First dispatch: the router picks the lead and co-handlers, unless the agent names the lead."""
    decision = await decide_lead(ctx, case)
    lead_id = id_of(decision.lead)
    data = decision_data(decision)
    if unit_id is not None and unit_id != lead_id:
        lead_id = id_of(await usable_unit(ctx, unit_id))
        data["manual_lead"] = True
    case.handling_class = decision.handling_class
    case.routing_fallback = decision.fallback and unit_id is None
    case.lead_unit_id = lead_id
    data.update(await _restart_clock(ctx, case))
    _retire_lead(ctx, case, "replaced")
    new_assignment(ctx, case, lead_id, "lead", case.sign_due)
    co_ids = [id_of(u) for u in decision.co_handlers if u.id != lead_id]
    active = {a.unit_id for a in case.assignments if a.active}
    for co_id in co_ids:
        if co_id not in active:
            new_assignment(ctx, case, co_id, "co", case.sign_due)
    data.update({"lead_unit_id": lead_id, "co_unit_ids": co_ids})
    return data


async def hand_to(ctx: Ctx, case: Case, unit_id: int, *, retired_status: str) -> dict[str, Any]:
    """Re-dispatch to a named lead; co-handlers stay; the clock starts again for the new lead (see _restart_clock)."""
    unit = await usable_unit(ctx, unit_id)
    previous = _retire_lead(ctx, case, retired_status)
    for a in case.assignments:
        if a.active and a.unit_id == unit.id:  # a co-handler promoted to lead
            a.active, a.status, a.finished_at = False, "promoted", ctx.now
    case.lead_unit_id = unit.id
    case.routing_fallback = False
    data = await _restart_clock(ctx, case, new_round=retired_status == "redo")
    new_assignment(ctx, case, id_of(unit), "lead", case.sign_due)
    data.update({"previous_lead_unit_id": previous, "lead_unit_id": unit.id})
    return data


async def _own_sign_due(ctx: Ctx, case: Case) -> datetime:
    """A unit coming in now signs within the profile's sign-for limit from now, never past the handling due."""
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    due = due_after(ctx.now, profile.sign_for, calendar, ctx.zone).at
    return min(due, case.handle_due) if case.handle_due is not None and case.handle_due > ctx.now else due


def _end(ctx: Ctx, assignment: Assignment, status: str) -> None:
    assignment.active, assignment.status, assignment.finished_at = False, status, ctx.now


async def apply_decision(ctx: Ctx, case: Case, decision: Decision) -> dict[str, Any]:
    """The router ran again (category or place changed): the case's active assignments become exactly what the
    decision names. Units that drop out are ended with the reason and lose sight of the case; units that come
    in are dispatched with their own sign-for deadline; a new lead starts a new clock. Everyone concerned hears
    of it through the event's outbox rows."""
    lead_id = id_of(decision.lead)
    co_ids = [id_of(u) for u in decision.co_handlers if u.id != lead_id]
    data = decision_data(decision)
    case.handling_class = decision.handling_class
    current = lead_assignment(case)
    dropped: list[int] = []
    added: list[int] = []
    for a in [a for a in case.assignments if a.active and a.role == "co"]:
        if a.unit_id == lead_id:
            _end(ctx, a, "promoted")
        elif a.unit_id not in co_ids:
            _end(ctx, a, "rerouted")
            dropped.append(a.unit_id)
    if current is None or current.unit_id != lead_id:
        previous = current.unit_id if current is not None else None
        if current is not None:
            _end(ctx, current, "rerouted")
            if previous not in co_ids:
                dropped.append(current.unit_id)
        case.lead_unit_id = lead_id
        case.routing_fallback = decision.fallback
        data.update(await _restart_clock(ctx, case))
        new_assignment(ctx, case, lead_id, "lead", case.sign_due)
        added.append(lead_id)
        data["previous_lead_unit_id"] = previous
    active = {a.unit_id for a in case.assignments if a.active}
    for co_id in co_ids:
        if co_id not in active:
            new_assignment(ctx, case, co_id, "co", await _own_sign_due(ctx, case))
            added.append(co_id)
    data.update({"lead_unit_id": lead_id, "co_unit_ids": co_ids, "units_added": added,
                 "dropped_unit_ids": [u for u in dropped if u not in added]})
    return data
