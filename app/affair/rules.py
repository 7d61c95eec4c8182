"""Acceptance rules for one-stop affairs (一门式受理): pure functions of the item, the materials and the clock.

- A material is **key** when it is required and may not come later; the
  others that are required may follow under 容缺受理 (accept with minor
  materials missing), never the key ones.
- 容缺: the applicant signs a promise, everything missing is listed in one
  notice, and the supplement is due min(promised − margin, cap) working days
  after acceptance (Shenzhen: margin 2, cap 20; profile data). When that
  leaves less than one working day, 容缺 is not possible. Applicants on the
  bad-credit list cannot use it (Xi'an).
- A returned application (一次性告知) carries a single complete list; the
  clock stops until the applicant resubmits and starts again then.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.calendar.deadlines import Due, Limit, due_after
from app.calendar.workdays import WorkCalendar
from app.cases.lifecycle import AT_UNIT, Actor, LifecycleError, Status
from app.cases.stages import StageMachine, StageView, transition


class Stage:
    submitted = "submitted"  # 已提交，待受理
    materials_requested = "materials_requested"  # 一次性告知补正
    accepted_pending = "accepted_pending"  # 容缺受理，待补齐
    accepted = "accepted"  # 已受理
    approved = "approved"  # 准予
    rejected = "rejected"  # 不予
    terminated = "terminated"  # 容缺逾期未补，终止


STAGE_NAMES = {
    Stage.submitted: ("已提交，待受理", "Submitted, awaiting acceptance"),
    Stage.materials_requested: ("待补正材料", "Returned for materials"),
    Stage.accepted_pending: ("容缺受理，待补齐材料", "Accepted with materials to follow"),
    Stage.accepted: ("已受理，审核中", "Accepted, under review"),
    Stage.approved: ("准予办理", "Approved"),
    Stage.rejected: ("不予办理", "Rejected"),
    Stage.terminated: ("逾期未补齐，已终止", "Terminated: materials not supplied in time"),
}


@dataclass(frozen=True)
class Material:
    code: str
    name: str
    required: bool
    may_come_later: bool

    @property
    def key(self) -> bool:
        return self.required and not self.may_come_later


def materials_of(item_materials: Iterable[Mapping[str, Any]]) -> list[Material]:
    return [Material(m["code"], m["name"], bool(m.get("required", True)), bool(m.get("may_come_later", False)))
            for m in item_materials]


@dataclass(frozen=True)
class MaterialCheck:
    missing_key: tuple[str, ...]
    missing_tolerable: tuple[str, ...]  # required, may come later
    unknown: tuple[str, ...]  # provided codes the item does not ask for

    @property
    def complete(self) -> bool:
        return not self.missing_key and not self.missing_tolerable

    def as_dict(self) -> dict[str, list[str]]:
        return {"key": list(self.missing_key), "tolerable": list(self.missing_tolerable)}


def check_materials(item: Iterable[Material], provided: Iterable[str]) -> MaterialCheck:
    materials = list(item)
    have = set(provided)
    known = {m.code for m in materials}
    return MaterialCheck(
        missing_key=tuple(m.code for m in materials if m.key and m.code not in have),
        missing_tolerable=tuple(m.code for m in materials if m.required and not m.key and m.code not in have),
        unknown=tuple(sorted(have - known)),
    )


def supplement_working_days(promised_days: int, margin: int, cap: int) -> int | None:
    """Working days a 容缺 applicant has to supplement, or None when the promise leaves no room."""
    days = min(promised_days - margin, cap)
    return days if days >= 1 else None


def supplement_due(accepted_at: datetime, promised_days: int, *, margin: int, cap: int, calendar: WorkCalendar,
                   zone: ZoneInfo) -> Due | None:
    days = supplement_working_days(promised_days, margin, cap)
    if days is None:
        return None
    return due_after(accepted_at, Limit(days, "working_days"), calendar, zone)


def handling_limit(promised_days: int) -> Limit:
    """The item's promise in working days; 0 (on the spot) is due by the close of the day."""
    return Limit(promised_days, "working_days")


# --- the stage machine -------------------------------------------------------------------------------------

DECIDABLE = frozenset({Stage.accepted, Stage.approved, Stage.rejected})  # a redo after a callback decides again
BEFORE_ACCEPTANCE = frozenset({Stage.submitted, Stage.materials_requested})
LEAD = frozenset({Actor.lead})


_t = transition  # short, so that each row of the table stays on one line

TABLE = (
    _t("accept", LEAD, {Stage.submitted}, AT_UNIT, Stage.accepted, Status.in_progress),
    _t("accept_pending", LEAD, {Stage.submitted}, AT_UNIT, Stage.accepted_pending, Status.in_progress),
    # Returning the list is also signing for the application: a dispatched case moves to signed.
    _t("request_materials", LEAD, {Stage.submitted}, {Status.dispatched}, Stage.materials_requested, Status.signed),
    _t("request_materials", LEAD, {Stage.submitted}, {Status.signed, Status.in_progress}, Stage.materials_requested),
    _t("accept_and_approve", LEAD, {Stage.submitted}, AT_UNIT, Stage.approved, Status.replied),
    _t("approve", LEAD, DECIDABLE, AT_UNIT, Stage.approved, Status.replied),
    _t("reject", LEAD, DECIDABLE | {Stage.accepted_pending}, AT_UNIT, Stage.rejected, Status.replied),
    _t("supplement", frozenset({Actor.requester, Actor.agent, Actor.lead}),
       {Stage.submitted, Stage.materials_requested, Stage.accepted_pending}, AT_UNIT, None),
)


def guard(action: str, actor: Actor, view: StageView, now: datetime) -> LifecycleError | None:
    """Conditions on the application's own facts (see affairs.kind.facts)."""
    f = view.facts
    if action in ("accept", "accept_and_approve") and not f.get("complete"):
        return LifecycleError("materials_incomplete", 409, missing="、".join(f.get("missing_names", ())))
    if action == "accept_and_approve" and not f.get("on_the_spot"):
        return LifecycleError("not_on_the_spot", 409)
    if action == "accept_pending":
        if f.get("missing_key"):
            return LifecycleError("key_material_missing", 409, missing="、".join(f["missing_key"]))
        if f.get("complete"):
            return LifecycleError("nothing_to_tolerate", 409)
        if f.get("credit_flagged"):
            return LifecycleError("tolerance_refused_bad_credit", 409)
        if not f.get("tolerance_possible"):
            return LifecycleError("tolerance_not_possible", 409)
    return None


def wrong_stage(action: str, stage: str | None) -> str:
    if action in ("approve", "reject") and stage in BEFORE_ACCEPTANCE:
        return "decision_before_acceptance"
    if action == "approve" and stage == Stage.accepted_pending:
        return "materials_pending"
    if stage == Stage.terminated:
        return "application_terminated"
    if action == "supplement":
        return "materials_not_expected"
    return "action_not_allowed"


MACHINE = StageMachine(transitions=TABLE, guard=guard, wrong_stage=wrong_stage)
