"""A case's handling due when an agent changes its urgency or its category's handling class."""

from typing import Any

from app.calendar.deadlines import Basis
from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock
from app.cases.dispatching import clear_oversight
from app.core.context import Ctx
from app.models import Case

URGENCY_RANK = {"normal": 0, "urgent": 1, "critical": 2}


async def urgency_changed(ctx: Ctx, case: Case, before: str) -> dict[str, Any]:
    """An agent raised or lowered the urgency (with a reason): the handling due follows the new limit. Raised,
    the unit has the new limit from now (never more than it had); lowered, the limit from the dispatch (never
    less than it had)."""
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    limit, clause = profile.handling_limit(case.work_order_type, case.urgency, case.handling_class)
    raised = URGENCY_RANK[case.urgency] > URGENCY_RANK[before]
    start = ctx.now if raised else (case.dispatched_at or ctx.now)
    basis = Basis(start, limit)
    due = basis.compute(calendar, ctx.zone)
    old = case.handle_due
    if case.handle_due is not None:
        new_at = min(due.at, case.handle_due) if raised else max(due.at, case.handle_due)
        if new_at != case.handle_due:
            if new_at == due.at:
                clock.set_due(case, "handle_due", basis, due)
            else:  # the due the unit already had stands; it was computed on its own basis
                case.handle_due = new_at
            if raised:
                case.sign_due = min(case.sign_due or new_at, new_at)
            else:
                clear_oversight(case)
    return {"from": before, "to": case.urgency, "set_by": "agent", "clause": clause,
            "handle_due_before": old.isoformat() if old else None,
            "handle_due": case.handle_due.isoformat() if case.handle_due else None}


async def handling_class_changed(ctx: Ctx, case: Case, before: str) -> dict[str, Any]:
    """The new category is handled in another class (standard or complex) by the same lead: a longer limit counts
    from the dispatch, with the extensions granted; a shorter one never takes back time the unit had."""
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    limit, clause = profile.handling_limit(case.work_order_type, case.urgency, case.handling_class)
    old = case.handle_due
    if old is not None and case.dispatched_at is not None:
        basis = Basis(case.dispatched_at, limit, case.extension_days_granted)
        due = basis.compute(calendar, ctx.zone)
        if due.at > old:
            clock.set_due(case, "handle_due", basis, due)
            if due.at > ctx.now:
                clear_oversight(case)
    return {"from": before, "to": case.handling_class, "clause": clause,
            "handle_due_before": old.isoformat() if old else None,
            "handle_due": case.handle_due.isoformat() if case.handle_due else None}
