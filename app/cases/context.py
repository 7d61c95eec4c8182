"""What a service call needs to know about the request, bundled once."""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.lifecycle import Actor
from app.core.auth import Principal
from app.core.db import after_commit
from app.core.roles import Role
from app.models import Case, CaseEvent

# Called with (ctx, case, event type, data) for every timeline event, in its transaction (the outbox listens).
EVENT_LISTENERS: list[Callable[..., None]] = []


@dataclass
class Ctx:
    state: Any
    session: AsyncSession
    principal: Principal
    now: datetime
    system: bool = False  # the sweep acting on its own: events say "system", not a person

    @classmethod
    def for_system(cls, state: Any, session: AsyncSession, now: datetime) -> "Ctx":
        nobody = Principal(user_id=None, username="system", name="系统", role=Role.admin, unit_id=None,  # type: ignore[arg-type]
                           unit_kind=None, unit_region=None)
        return cls(state=state, session=session, principal=nobody, now=now, system=True)

    def event(self, case: Case, type_: str, *, from_status: str | None = None, to_status: str | None = None,
              reason: str | None = None, data: dict[str, Any] | None = None) -> CaseEvent:
        event = CaseEvent(case_id=case.id, at=self.now, type=type_, actor_user_id=self.principal.user_id,
                          actor_role="system" if self.system else self.principal.role.value,
                          actor_unit_id=self.principal.unit_id,
                          from_status=from_status, to_status=to_status, reason=reason, data=data or {})
        self.session.add(event)
        for listener in EVENT_LISTENERS:
            listener(self, case, type_, event.data)
        bell = getattr(self.state, "feed_bell", None)
        if bell is not None:  # wake live-feed subscribers once the change is committed
            after_commit(self.session, "feed", bell.ring)
        return event


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


def my_assignment(case: Case, principal: Principal):
    if principal.unit_id is None:
        return None
    for a in case.assignments:
        if a.active and a.unit_id == principal.unit_id:
            return a
    return None


def lead_assignment(case: Case):
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
