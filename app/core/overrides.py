"""Decisions held to the recorded rule result, and a leader's override of it (issue 23, item 5).

A decision that departs from what the rules last recorded on the case (an aid approval against the latest household
check, an eldercare subsidy other than the eligibility result, a time-bank redemption beyond what the order leaves
to pay) is refused with `decision_contradicts_check`, listing the departures, unless it carries an override: a
reason, given by a leader (分管领导, the user's `leader` flag) of a staff role. The override is kept with the
decision by the caller, audited (`<package>.override`), and put on the case's timeline as an `override` event,
which the unit's figures count (app/metrics). Every kind that decides against a rule result calls `hold`; none
writes its own copy. Invariants (a balance never negative, never over the cap) are not departures: they are
refused whatever the override says.
"""

from typing import Any

from pydantic import Field

from app.core import audit
from app.core.auth import Principal
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.roles import STAFF_ROLES
from app.core.schemas import RequestModel
from app.models import Case

REASON_MIN = 4


class OverrideIn(RequestModel):
    """A leader signs off a decision that the latest recorded rule result does not support (audited, on the
    timeline, counted in the unit's figures)."""

    reason: str | None = Field(default=None, max_length=1000,
                               description=f"why the decision departs from the rule result (at least {REASON_MIN} "
                                           "characters); without it the override is refused")


def may_override(principal: Principal) -> bool:
    """A leader of a staff role: residents and volunteers never sign off against the rules, whatever their flag."""
    return principal.leader and principal.role in STAFF_ROLES


def _reason(override: OverrideIn, field: str) -> str:
    reason = (override.reason or "").strip()
    if len(reason) < REASON_MIN:
        raise AppError("override_reason_required", 422, min=REASON_MIN,
                       field_errors=[{"field": f"{field}.reason", "code": "override_reason_required"}])
    return reason


def hold(ctx: Ctx, case: Case, *, decision: str, departures: list[dict[str, Any]], override: OverrideIn | None,
         audit_action: str, detail: dict[str, Any] | None = None, field: str = "override") -> dict[str, Any] | None:
    """Holds a decision on `case` to the rule result. No departures: None (an override given anyway is not
    recorded). Departures without an override: 409 `decision_contradicts_check`. An override without a reason:
    422 `override_reason_required`; by someone who may not: 403 `override_not_allowed`. Otherwise the override
    as the decision keeps it, audited and on the timeline. Writes nothing before it has decided."""
    reason = _reason(override, field) if override is not None else None
    if not departures:
        return None
    detail = detail or {}
    if override is None:
        raise AppError("decision_contradicts_check", 409, what="、".join(d["code"] for d in departures),
                       extra={"departures": departures, **detail})
    if not may_override(ctx.principal):
        raise AppError("override_not_allowed", 403)
    assert reason is not None
    record = {"reason": reason, "departures": departures, **detail, "at": ctx.now.isoformat(),
              "by_user_id": ctx.principal.user_id}
    audit.record(ctx.session, at=ctx.now, action=audit_action, actor_user_id=ctx.principal.user_id,
                 actor_name=ctx.principal.name, target_type="case", target_id=case.id,
                 detail={"reason": reason, "decision": decision, "departures": departures})
    ctx.event(case, "override", from_status=case.status, to_status=case.status, reason=reason,
              data={"decision": decision, "departures": departures, **detail, "unit_id": ctx.principal.unit_id})
    return record
