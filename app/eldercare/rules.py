"""The stages of an eldercare order, as a pure table run inside the case spine.

requested → scheduled (a provider or a volunteer is booked for a visit) →
in_service (someone has checked in at the home) → served (the unit closes
the order once every visit is over; that is its reply, so the callback and
rating follow as for every case). Check-in and check-out move the stage
from their own endpoints; the table here holds the unit's actions.
"""

from collections.abc import Iterable
from datetime import datetime

from app.cases.lifecycle import AT_UNIT, Actor, LifecycleError, Status
from app.cases.stages import StageMachine, StageTransition, StageView, transition


class Stage:
    requested = "requested"
    scheduled = "scheduled"
    in_service = "in_service"
    served = "served"


STAGE_NAMES = {
    Stage.requested: ("已申请，待派单", "Requested, awaiting scheduling"),
    Stage.scheduled: ("已安排服务", "Visit scheduled"),
    Stage.in_service: ("服务中", "Being served"),
    Stage.served: ("服务完成", "Served"),
}

SERVICE_NAMES = {
    "meal": ("助餐", "Meals"), "cleaning": ("助洁", "Cleaning"), "emergency": ("助急", "Emergency help"),
    "bathing": ("助浴", "Bathing"), "mobility": ("助行", "Mobility"), "medical": ("助医", "Medical accompaniment"),
    "day_care": ("日间照料", "Day care"), "visit": ("探访关爱", "Visits to people living alone"),
}

ACTIVE = frozenset({Stage.requested, Stage.scheduled, Stage.in_service})
LEAD = frozenset({Actor.lead})


def _t(action: str, stages: Iterable[str], target_stage: str | None,
       target_status: Status | None = None) -> StageTransition:
    return transition(action, LEAD, stages, AT_UNIT, target_stage, target_status)


TABLE = (
    _t("schedule", {Stage.requested}, Stage.scheduled, Status.in_progress),
    _t("schedule", {Stage.scheduled, Stage.in_service}, None, Status.in_progress),
    _t("cancel_visit", {Stage.scheduled, Stage.in_service}, None),
    # The subsidy the order runs under, held to the latest eligibility result; and that result recorded again.
    _t("decide_subsidy", ACTIVE, None, Status.in_progress),
    _t("reassess", ACTIVE, None),
    _t("complete", {Stage.scheduled, Stage.in_service}, Stage.served, Status.replied),
)


def guard(action: str, actor: Actor, view: StageView, now: datetime) -> LifecycleError | None:
    counts = view.facts.get("visits", {})
    if action == "complete":
        if counts.get("checked_in", 0):
            return LifecycleError("visit_in_progress", 409)
        if not counts.get("done", 0):
            return LifecycleError("no_visit_done", 409)
    return None


def stage_after_visits(counts: dict[str, int], current: str) -> str:
    """Where the order stands once a visit is added, cancelled, checked in or out."""
    if current == Stage.served:
        return current
    if counts.get("checked_in", 0):
        return Stage.in_service
    if counts.get("scheduled", 0) or counts.get("done", 0):
        return Stage.scheduled
    return Stage.requested


def wrong_stage(action: str, stage: str | None) -> str:
    if stage == Stage.served:
        return "order_served"
    if action in ("complete", "cancel_visit") and stage == Stage.requested:
        return "nothing_scheduled"
    return "action_not_allowed"


MACHINE = StageMachine(transitions=TABLE, guard=guard, wrong_stage=wrong_stage)
