"""The procedure of a social-aid application, as a pure table run inside the case spine.

applied → accepted (or one complete list of missing materials; no list within
the profile's window and the application counts as accepted) → household
check (findings) → public notice of 7 days (an objection sends it back to a
new check and a new notice; no decision before the notice ends) → approved (with
the amount, paid from the next month) or rejected (with written reasons).
Temporary aid has no notice; in an emergency it may be granted first and
checked after.
"""

from collections.abc import Iterable
from datetime import datetime

from app.cases.lifecycle import AT_UNIT, Actor, LifecycleError, Status
from app.cases.stages import StageMachine, StageTransition, StageView, transition


class Stage:
    applied = "applied"
    materials_requested = "materials_requested"
    accepted = "accepted"
    granted_first = "granted_first"
    checked = "checked"
    notice = "notice"
    objected = "objected"  # an objection during the notice: re-investigation, then a new notice
    approved = "approved"
    rejected = "rejected"


STAGE_NAMES = {
    Stage.applied: ("已申请，待受理", "Applied, awaiting acceptance"),
    Stage.materials_requested: ("待补齐材料（已一次性告知）", "Materials requested (one complete list)"),
    Stage.accepted: ("已受理，待入户调查", "Accepted, awaiting the household check"),
    Stage.granted_first: ("已先行救助，待核查", "Granted first, to be checked"),
    Stage.checked: ("已完成家庭经济状况核查", "Household check done"),
    Stage.notice: ("公示中", "Under public notice"),
    Stage.objected: ("公示有异议，复核中", "Objected to; being re-investigated"),
    Stage.approved: ("已批准", "Approved"),
    Stage.rejected: ("不予批准", "Rejected"),
}

LEAD = frozenset({Actor.lead})
RECORDERS = frozenset({Actor.lead, Actor.agent, Actor.dispatcher})  # who may record an objection


def _t(action: str, actors: frozenset[Actor], stages: Iterable[str], target: str | None,
       status: Status | None = None) -> StageTransition:
    return transition(action, actors, stages, AT_UNIT, target, status)


TABLE = (
    _t("accept", LEAD, {Stage.applied}, Stage.accepted, Status.in_progress),
    _t("request_materials", LEAD, {Stage.applied}, Stage.materials_requested, Status.in_progress),
    # The community (a co-handler) takes materials in as often as the station does.
    _t("supplement", frozenset({Actor.requester, Actor.agent, Actor.lead, Actor.co}), {Stage.materials_requested},
       Stage.accepted),
    _t("grant_first", LEAD, {Stage.applied, Stage.accepted}, Stage.granted_first, Status.in_progress),
    # The check may be corrected before the notice, and must be done again after an objection.
    _t("record_check", LEAD, {Stage.accepted, Stage.granted_first, Stage.checked, Stage.objected}, Stage.checked),
    _t("publish_notice", LEAD, {Stage.checked}, Stage.notice),
    _t("object", RECORDERS, {Stage.notice}, Stage.objected),
    # Decided again after a dissatisfied callback sent a decided application back (重办).
    _t("approve", LEAD, {Stage.notice, Stage.checked, Stage.approved, Stage.rejected}, Stage.approved,
       Status.replied),
    _t("reject", LEAD, {Stage.accepted, Stage.granted_first, Stage.checked, Stage.notice, Stage.objected,
                        Stage.approved, Stage.rejected}, Stage.rejected, Status.replied),
)


def guard(action: str, actor: Actor, view: StageView, now: datetime) -> LifecycleError | None:
    """Conditions on the application's facts (see aid.kind.facts)."""
    f = view.facts
    temporary = f.get("scheme") == "temporary"
    if action == "grant_first" and not f.get("emergency"):
        return LifecycleError("grant_first_emergency_only", 409)
    if action == "publish_notice" and temporary:
        return LifecycleError("notice_not_for_temporary", 409)
    if action == "object" and f.get("notice_ends") is not None and now >= f["notice_ends"]:
        return LifecycleError("notice_ended", 409, ends=f.get("notice_ends_text"))
    if action in ("approve", "reject") and view.stage == Stage.notice and f.get("notice_ends") is not None \
            and now < f["notice_ends"]:
        return LifecycleError("notice_not_ended", 409, ends=f.get("notice_ends_text"))  # decided after the notice
    if action == "approve" and view.stage == Stage.checked and not temporary:
        return LifecycleError("approval_needs_notice", 409)
    return None


def wrong_stage(action: str, stage: str | None) -> str:
    if action == "request_materials" and stage == Stage.materials_requested:
        return "materials_list_once"  # one complete list, never a second
    if action in ("approve", "reject") and stage in (Stage.applied, Stage.materials_requested):
        return "decision_before_check"
    if action == "approve" and stage in (Stage.accepted, Stage.granted_first):
        return "decision_before_check"
    if action in ("approve", "publish_notice") and stage == Stage.objected:
        return "recheck_required"
    if action == "object":
        return "no_notice_running"
    if stage in (Stage.approved, Stage.rejected):
        return "application_decided"
    return "action_not_allowed"


MACHINE = StageMachine(transitions=TABLE, guard=guard, wrong_stage=wrong_stage)
