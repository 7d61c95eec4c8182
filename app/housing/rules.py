"""The procedure of a residence registration for rental housing, as a pure table run inside the case spine.

filed → registered (the community verified the tenancy and issued the certificate: its reply) or rejected (with
the reasons). A registered tenancy may be extended (续租: a later end) or ended early (moved out) by its filer,
the counter or the community, whatever the case's status; it lapses by rule when its last day has passed. A
registration is verified while the tenancy runs, never after it ended.
"""

from collections.abc import Iterable
from datetime import datetime

from app.cases.lifecycle import AT_UNIT, Actor, LifecycleError, Status
from app.cases.stages import StageMachine, StageTransition, StageView, transition


class Stage:
    filed = "filed"
    registered = "registered"
    rejected = "rejected"
    ended = "ended"  # moved out before the end
    lapsed = "lapsed"  # the last day passed


STAGE_NAMES = {
    Stage.filed: ("已申报，待社区核验", "Filed, awaiting the community's verification"),
    Stage.registered: ("已登记", "Registered"),
    Stage.rejected: ("核验未通过", "Not verified"),
    Stage.ended: ("已提前终止", "Ended early"),
    Stage.lapsed: ("租期届满，登记已失效", "Lapsed at the end of the tenancy"),
}
# Stages in which the registration counts (or counted) as registered residence.
COUNTED = frozenset({Stage.registered, Stage.ended, Stage.lapsed})

LEAD = frozenset({Actor.lead})
# Who records what happened to a registered tenancy: its filer in the app, the counter, the community.
KEEPERS = frozenset({Actor.requester, Actor.agent, Actor.lead})
# A registration outlives its case: it is kept while the case is with the unit, answered, or closed.
ANY_STATUS = frozenset({*AT_UNIT, Status.replied, Status.closed})


def _t(action: str, actors: frozenset[Actor], stages: Iterable[str], statuses: Iterable[Status], target: str,
       status: Status | None = None) -> StageTransition:
    return transition(action, actors, stages, statuses, target, status)


TABLE = (
    # Verified again after a dissatisfied callback sent it back (重办): the certificate it has stays.
    _t("verify", LEAD, {Stage.filed, Stage.rejected, Stage.registered}, AT_UNIT, Stage.registered, Status.replied),
    _t("reject", LEAD, {Stage.filed, Stage.rejected}, AT_UNIT, Stage.rejected, Status.replied),
    _t("extend", KEEPERS, {Stage.registered}, ANY_STATUS, Stage.registered),
    _t("end_early", KEEPERS, {Stage.registered}, ANY_STATUS, Stage.ended),
)


def guard(action: str, actor: Actor, view: StageView, now: datetime) -> LifecycleError | None:
    """Conditions on the tenancy's facts (see housing.kind.facts)."""
    lapses = view.facts.get("lapses_at")
    if action == "verify" and lapses is not None and now >= lapses:
        return LifecycleError("tenancy_already_ended", 409, ends=view.facts.get("end_date"))
    return None


def wrong_stage(action: str, stage: str | None) -> str:
    if action in ("extend", "end_early"):
        return "registration_not_active"
    if stage in (Stage.ended, Stage.lapsed):
        return "registration_finished"
    return "action_not_allowed"


MACHINE = StageMachine(transitions=TABLE, guard=guard, wrong_stage=wrong_stage)
