"""The dispatch lifecycle shared by every kind: a pure state machine.

受理 → 派单 → 签收 → 办理 → 答复 → 回访/评价 → 办结, with direct answers, returns
that go to review, extensions approved by the centre, co-handlers, withdrawal,
re-dispatch, merging of duplicates and redo after a dissatisfied callback.
Who may act is part of the table; anything outside it is refused with the
actions that are allowed. Time guards read the clock passed in.
"""

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any


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
# In a unit's hands: dispatched to it, signed for, being handled.
AT_UNIT = frozenset({Status.dispatched, Status.signed, Status.in_progress})
UNCHANGED = None
PREVIOUS = "previous"  # reject_return puts the case back where it was
BY_OUTCOME = "by_outcome"  # a callback or rating decides the next status (see after_callback)
SATISFACTION = ("satisfied", "basically_satisfied", "dissatisfied")


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
    _t("callback", {Actor.agent, Actor.dispatcher}, {Status.replied}, BY_OUTCOME),
    _t("rate", {Actor.requester}, {Status.replied}, BY_OUTCOME),
    # A merged duplicate stays closed, but its requester is called back on the master's reply and rates it.
    _t("callback", {Actor.agent, Actor.dispatcher}, {Status.closed}, UNCHANGED),
    _t("rate", {Actor.requester}, {Status.closed}, UNCHANGED),
    _t("merge", {Actor.agent, Actor.dispatcher}, OPEN, Status.closed),
    _t("mark_major", {Actor.dispatcher}, OPEN, UNCHANGED),
    # Links are made from a live case; the other one may be finished (a repeat of a closed complaint).
    _t("link", {Actor.agent, Actor.dispatcher}, OPEN | {Status.replied}, UNCHANGED),
    _t("unlink", {Actor.agent, Actor.dispatcher}, OPEN | {Status.replied}, UNCHANGED),
)

ACTIONS: tuple[str, ...] = tuple(dict.fromkeys(t.action for t in TABLE))
# Each action's transitions, in the table's order: what every case read asks of each action.
_OF_ACTION: dict[str, tuple[Transition, ...]] = {a: tuple(t for t in TABLE if t.action == a) for a in ACTIONS}


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
    has_lead_unit: bool = True
    callback_attempts: int = 0  # calls made in this round (each before the last one went unanswered)
    callback_max_tries: int = 3
    rated_this_round: bool = False  # the requester already rated the current reply
    # A merged duplicate whose requester awaits their callback on the master's reply.
    merged_callback_pending: bool = False


@dataclass(frozen=True)
class Outcome:
    """What a callback found out (一事一评), or what the requester said in the app."""

    reached: bool
    solved: bool | None = None
    satisfaction: str | None = None
    unit_at_fault: bool = False


@dataclass(frozen=True)
class CallbackResult:
    status: Status
    result: str  # closed | redo | retry | unreached | awaiting_review
    close_reason: str | None = None
    counted: bool = False  # a valid evaluation for the rates


def after_callback(outcome: Outcome, case: CaseView, *, by_requester: bool) -> CallbackResult:
    """Where a replied case goes after a callback attempt or a resident's rating.

    Satisfied or basically satisfied closes it. Dissatisfied with the unit at
    fault sends it back (重办): to the same lead unit, or to the centre's
    intake when it was answered directly. A resident cannot judge fault, so a
    dissatisfied rating waits for the centre's callback. Unreached attempts
    are retried until the profile's number of tries is used up.
    """
    if not outcome.reached:
        if case.callback_attempts + 1 >= case.callback_max_tries:
            return CallbackResult(Status.closed, "unreached", close_reason="unreached")
        return CallbackResult(Status.replied, "retry")
    if outcome.satisfaction in ("satisfied", "basically_satisfied"):
        return CallbackResult(Status.closed, "closed", close_reason=outcome.satisfaction, counted=True)
    if by_requester:
        return CallbackResult(Status.replied, "awaiting_review", counted=True)
    if outcome.unit_at_fault:
        return CallbackResult(Status.dispatched if case.has_lead_unit else Status.received, "redo", counted=True)
    return CallbackResult(Status.closed, "closed", close_reason="dissatisfied", counted=True)


class LifecycleError(Exception):
    def __init__(self, code: str, http_status: int = 409, **params: Any):
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
        if case.handle_due is None:  # the kind stopped the clock (an affair awaiting materials)
            return LifecycleError("extension_clock_paused", 409)
        if now >= case.handle_due:
            return LifecycleError("extension_after_deadline", 409, due=case.handle_due.isoformat())
        if case.extension_days_granted >= case.extension_cap:
            return LifecycleError("extension_cap_exceeded", 409, cap=case.extension_cap,
                                  granted=case.extension_days_granted, requested=1)
    if action in ("approve_extension", "deny_extension") and not case.extension_pending:
        return LifecycleError("action_not_allowed", 409)
    if action == "approve_extension" and case.handle_due is None:
        return LifecycleError("extension_clock_paused", 409)
    if action == "sign" and actor == Actor.co and case.my_assignment_status != "dispatched":
        return LifecycleError("action_not_allowed", 409)
    if action == "contribute" and case.my_assignment_status not in ("dispatched", "signed"):
        return LifecycleError("action_not_allowed", 409)
    if action == "reject_return" and case.status_before_return is None:
        return LifecycleError("action_not_allowed", 409)
    if action in ("callback", "rate") and case.status == Status.closed and not case.merged_callback_pending:
        return LifecycleError("action_not_allowed", 409)
    if action == "rate" and case.rated_this_round:
        return LifecycleError("already_rated", 409)
    return None


def _matching(action: str, actors: frozenset[Actor], status: Status) -> list[tuple[Transition, Actor]]:
    return [(t, a) for t in _OF_ACTION.get(action, ()) if status in t.sources
            for a in actors if a in t.actors]


def allowed_actions(case: CaseView, actors: frozenset[Actor], now: datetime) -> list[str]:
    out = []
    for action in ACTIONS:
        if any(_guard(action, actor, case, now) is None for _, actor in _matching(action, actors, case.status)):
            out.append(action)
    return out


def decide(action: str, case: CaseView, actors: frozenset[Actor], now: datetime,
           outcome: Outcome | None = None) -> tuple[Status, Actor]:
    """The status after `action`, and the capacity the caller acts in; raises LifecycleError.

    Callbacks and ratings need their `outcome` to know where the case goes.
    """
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
            if transition.target == BY_OUTCOME:
                if outcome is None:
                    raise LifecycleError("callback_outcome_required", 422)
                return after_callback(outcome, case, by_requester=actor == Actor.requester).status, actor
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
