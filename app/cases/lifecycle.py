"""The dispatch lifecycle shared by every kind: a pure state machine.

受理 → 派单 → 签收 → 办理 → 答复 → 办结, with direct answers, returns that go to
review, extensions approved by the centre, co-handlers, withdrawal and
re-dispatch. Who may act is part of the table; anything outside it is refused
with the actions that are allowed. Time guards read the clock passed in.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum


class Status(StrEnum):
    received = "received"  # 已受理，未派单
    dispatched = "dispatched"  # 已派单，待签收
    signed = "signed"  # 已签收
    in_progress = "in_progress"  # 办理中
    return_review = "return_review"  # 退单待审核
    replied = "replied"  # 已答复
    closed = "closed"  # 已办结
    withdrawn = "withdrawn"  # 已撤回


class Actor(StrEnum):
    requester = "requester"  # the resident who filed the case
    agent = "agent"
    dispatcher = "dispatcher"
    lead = "lead"  # staff of the lead unit
    co = "co"  # staff of an active co-handling unit


OPEN = frozenset({Status.received, Status.dispatched, Status.signed, Status.in_progress, Status.return_review})
HANDLING = frozenset({Status.signed, Status.in_progress})
UNCHANGED = None
PREVIOUS = "previous"  # reject_return puts the case back where it was


@dataclass(frozen=True)
class Transition:
    action: str
    actors: frozenset[Actor]
    sources: frozenset[Status]
    target: str | None


def _t(action: str, actors: set[Actor], sources: set[Status] | frozenset[Status], target: str | None) -> Transition:
    return Transition(action, frozenset(actors), frozenset(sources), target)


TABLE: tuple[Transition, ...] = (
    _t("dispatch", {Actor.agent, Actor.dispatcher}, {Status.received}, Status.dispatched),
    _t("direct_answer", {Actor.agent, Actor.dispatcher}, {Status.received}, Status.replied),
    _t("sign", {Actor.lead}, {Status.dispatched}, Status.signed),
    _t("sign", {Actor.co}, {Status.dispatched, *HANDLING}, UNCHANGED),
    _t("start", {Actor.lead}, {Status.signed}, Status.in_progress),
    _t("return", {Actor.lead}, {Status.dispatched, Status.signed}, Status.return_review),
    _t("accept_return", {Actor.dispatcher}, {Status.return_review}, Status.dispatched),
    _t("reject_return", {Actor.dispatcher}, {Status.return_review}, PREVIOUS),
    _t("request_extension", {Actor.lead}, HANDLING, UNCHANGED),
    _t("approve_extension", {Actor.dispatcher}, HANDLING, UNCHANGED),
    _t("deny_extension", {Actor.dispatcher}, HANDLING, UNCHANGED),
    _t("add_co_handler", {Actor.lead, Actor.dispatcher}, {Status.dispatched, *HANDLING}, UNCHANGED),
    _t("contribute", {Actor.co}, {Status.dispatched, *HANDLING}, UNCHANGED),
    _t("reply", {Actor.lead}, HANDLING, Status.replied),
    _t("close", {Actor.agent, Actor.dispatcher}, {Status.replied}, Status.closed),
    _t("withdraw", {Actor.requester, Actor.agent}, OPEN, Status.withdrawn),
    _t("redispatch", {Actor.dispatcher}, {Status.dispatched, *HANDLING}, Status.dispatched),
)

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TABLE))


@dataclass(frozen=True)
class CaseView:
    """What the guards need to know about a case, and about the caller's part in it."""

    status: Status
    handle_due: datetime | None
    return_until: datetime | None
    extension_pending: bool
    extension_days_granted: int
    extension_cap: int
    status_before_return: Status | None = None
    my_assignment_status: str | None = None  # the caller's unit's assignment, if any


class LifecycleError(Exception):
    def __init__(self, code: str, http_status: int = 409, **params: object):
        super().__init__(code)
        self.code = code
        self.http_status = http_status
        self.params = params


def _guard(action: str, actor: Actor, case: CaseView, now: datetime) -> LifecycleError | None:
    """State-dependent conditions beyond the table. None when the action may go ahead."""
    if action == "return" and case.return_until is not None and now > case.return_until:
        return LifecycleError("return_window_closed", 409, until=case.return_until.isoformat())
    if action == "request_extension":
        if case.extension_pending:
            return LifecycleError("extension_pending", 409)
        if case.handle_due is not None and now >= case.handle_due:
            return LifecycleError("extension_after_deadline", 409, due=case.handle_due.isoformat())
        if case.extension_days_granted >= case.extension_cap:
            return LifecycleError("extension_cap_exceeded", 409, cap=case.extension_cap,
                                  granted=case.extension_days_granted, requested=1)
    if action in ("approve_extension", "deny_extension") and not case.extension_pending:
        return LifecycleError("action_not_allowed", 409)
    if action == "sign" and actor == Actor.co and case.my_assignment_status != "dispatched":
        return LifecycleError("action_not_allowed", 409)
    if action == "contribute" and case.my_assignment_status not in ("dispatched", "signed"):
        return LifecycleError("action_not_allowed", 409)
    if action == "reject_return" and case.status_before_return is None:
        return LifecycleError("action_not_allowed", 409)
    return None


def _matching(action: str, actors: frozenset[Actor], status: Status) -> list[tuple[Transition, Actor]]:
    return [(t, a) for t in TABLE if t.action == action and status in t.sources
            for a in actors if a in t.actors]


def allowed_actions(case: CaseView, actors: frozenset[Actor], now: datetime) -> list[str]:
    out = []
    for action in ACTIONS:
        if any(_guard(action, actor, case, now) is None for _, actor in _matching(action, actors, case.status)):
            out.append(action)
    return out


def decide(action: str, case: CaseView, actors: frozenset[Actor], now: datetime) -> tuple[Status, Actor]:
    """The status after `action`, and the capacity the caller acts in; raises LifecycleError."""
    if action not in ACTIONS:
        raise LifecycleError("action_unknown", 404, action=action)
    matches = _matching(action, actors, case.status)
    if not matches:
        raise LifecycleError("action_not_allowed", 409, action=action, status=case.status.value)
    first_error: LifecycleError | None = None
    for transition, actor in matches:
        error = _guard(action, actor, case, now)
        if error is None:
            if transition.target is UNCHANGED:
                return case.status, actor
            if transition.target == PREVIOUS:
                assert case.status_before_return is not None
                return case.status_before_return, actor
            return Status(transition.target), actor
        first_error = first_error or error
    assert first_error is not None
    if first_error.code == "action_not_allowed":
        first_error.params.update(action=action, status=case.status.value)
    raise first_error


def extension_fits(case: CaseView, requested_days: int) -> LifecycleError | None:
    if case.extension_days_granted + requested_days > case.extension_cap:
        return LifecycleError("extension_cap_exceeded", 409, cap=case.extension_cap,
                              granted=case.extension_days_granted, requested=requested_days)
    return None
