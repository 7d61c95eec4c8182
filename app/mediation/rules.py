"""The stages of a mediation, as a pure table run inside the case spine.

accepted → in_mediation (sessions) → agreement_drafted → (every party and the
mediator sign, the committee seals) agreement_effective → confirmation_applied
→ confirmed; or failed (the other routes named), or transferred to the police,
labour arbitration, the court or the petitions office.
"""

from datetime import datetime

from app.cases.lifecycle import AT_UNIT, Actor, LifecycleError, Status
from app.cases.stages import StageMachine, StageView, transition


class Stage:
    accepted = "accepted"
    in_mediation = "in_mediation"
    agreement_drafted = "agreement_drafted"
    agreement_effective = "agreement_effective"
    confirmation_applied = "confirmation_applied"
    confirmed = "confirmed"
    confirmation_refused = "confirmation_refused"
    failed = "failed"
    transferred = "transferred"


STAGE_NAMES = {
    Stage.accepted: ("已受理", "Accepted"), Stage.in_mediation: ("调解中", "Being mediated"),
    Stage.agreement_drafted: ("调解协议待签署", "Agreement awaiting signatures"),
    Stage.agreement_effective: ("调解协议已生效", "Agreement in effect"),
    Stage.confirmation_applied: ("已申请司法确认", "Judicial confirmation applied for"),
    Stage.confirmed: ("已司法确认", "Judicially confirmed"),
    Stage.confirmation_refused: ("法院不予确认", "Confirmation refused by the court"),
    Stage.failed: ("调解不成", "Mediation failed"),
    Stage.transferred: ("已移交", "Handed on"),
}

AFTER_REPLY = frozenset({Status.replied, Status.closed})
LEAD = frozenset({Actor.lead})
OPEN_STAGES = frozenset({Stage.accepted, Stage.in_mediation, Stage.agreement_drafted})


_t = transition  # short, so that each row of the table stays on one line

TABLE = (
    # A dissatisfied callback (重办) brings an agreement or a failure back to the committee: mediation resumes.
    _t("hold_session", LEAD, {Stage.accepted, Stage.in_mediation, Stage.agreement_effective, Stage.failed,
                              Stage.confirmation_refused}, AT_UNIT, Stage.in_mediation, Status.in_progress),
    _t("draft_agreement", LEAD, {Stage.in_mediation}, AT_UNIT, Stage.agreement_drafted),
    _t("sign_agreement", LEAD, {Stage.agreement_drafted}, AT_UNIT, None),
    _t("seal_agreement", LEAD, {Stage.agreement_drafted}, AT_UNIT, Stage.agreement_effective, Status.replied),
    _t("apply_confirmation", LEAD, {Stage.agreement_effective}, AFTER_REPLY, Stage.confirmation_applied),
    _t("record_confirmation", LEAD, {Stage.confirmation_applied}, AFTER_REPLY, None),  # confirmed, or refused
    _t("fail", LEAD, OPEN_STAGES, AT_UNIT, Stage.failed, Status.replied),
    _t("transfer", frozenset({Actor.lead, Actor.dispatcher}), {Stage.accepted, Stage.in_mediation}, AT_UNIT,
       Stage.transferred, Status.dispatched),
    # The unit a dispute was handed to answers it (the spine's reply would skip the committee's stages).
    _t("answer_handoff", LEAD, {Stage.transferred}, frozenset({Status.signed, Status.in_progress}), None,
       Status.replied),
)


def guard(action: str, actor: Actor, view: StageView, now: datetime) -> LifecycleError | None:
    missing = view.facts.get("missing_signatures", [])
    if action == "seal_agreement" and missing:
        return LifecycleError("agreement_unsigned", 409, missing="、".join(missing))
    if action == "apply_confirmation" and view.facts.get("window_ends") and now > view.facts["window_ends"]:
        return LifecycleError("confirmation_window_closed", 409, ends=view.facts["window_ends"].isoformat())
    return None


def wrong_stage(action: str, stage: str | None) -> str:
    if action == "apply_confirmation" and stage in OPEN_STAGES:
        return "agreement_not_effective"
    if action in ("sign_agreement", "seal_agreement") and stage in (Stage.accepted, Stage.in_mediation):
        return "no_agreement_drafted"
    return "action_not_allowed"


MACHINE = StageMachine(transitions=TABLE, guard=guard, wrong_stage=wrong_stage)
