"""Who may see and act on a case, and the case's assignments as the lifecycle reads them."""



from app.cases.lifecycle import Actor
from app.core.auth import Principal
from app.core.context import Ctx
from app.core.roles import Role
from app.models import Assignment, Case


def can_see(case: Case, principal: Principal) -> bool:
    """Row scoping for a single case; callers answer 404 when this is False."""
    role = principal.role
    if role == Role.admin:
        return True
    if role == Role.resident:
        return case.requester_user_id == principal.user_id
    if role in (Role.agent, Role.dispatcher):
        return principal.district_scope is None or case.district_code == principal.district_scope
    if role == Role.unit_staff:
        return any(a.unit_id == principal.unit_id and a.active for a in case.assignments)
    return False


def actors_for(case: Case, principal: Principal) -> frozenset[Actor]:
    role = principal.role
    if role == Role.resident and case.requester_user_id == principal.user_id:
        return frozenset({Actor.requester})
    if role == Role.agent:
        return frozenset({Actor.agent})
    if role == Role.dispatcher:
        return frozenset({Actor.dispatcher})
    if role == Role.unit_staff:
        mine = [a for a in case.assignments if a.active and a.unit_id == principal.unit_id]
        return frozenset(Actor.lead if a.role == "lead" else Actor.co for a in mine)
    return frozenset()


def my_assignment(case: Case, principal: Principal) -> Assignment | None:
    if principal.unit_id is None:
        return None
    for a in case.assignments:
        if a.active and a.unit_id == principal.unit_id:
            return a
    return None


def lead_assignment(case: Case) -> Assignment | None:
    for a in case.assignments:
        if a.active and a.role == "lead":
            return a
    return None


def sign_for(ctx: Ctx, case: Case) -> None:
    """A kind's first stage action at the unit (accepting, scheduling) is also signing for the case."""
    lead = lead_assignment(case)
    if lead is not None and lead.status == "dispatched":
        lead.status, lead.signed_at, lead.signed_by = "signed", ctx.now, ctx.principal.user_id
    if case.signed_at is None:
        case.signed_at = ctx.now
