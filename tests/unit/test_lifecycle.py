"""The transition table, exhaustively: every status × action × actor."""

from datetime import UTC, datetime, timedelta

import pytest

from app.cases.lifecycle import (
    ACTIONS,
    Actor,
    CaseView,
    LifecycleError,
    Outcome,
    Status,
    after_callback,
    allowed_actions,
    decide,
    extension_fits,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=5)
SATISFIED = Outcome(reached=True, solved=True, satisfaction="satisfied")

# The expected table, written out independently of lifecycle.TABLE.
# (action, actor) -> {source status: target status (None = unchanged)}
EXPECTED: dict[tuple[str, Actor], dict[Status, Status | None]] = {
    ("dispatch", Actor.agent): {Status.received: Status.dispatched},
    ("dispatch", Actor.dispatcher): {Status.received: Status.dispatched},
    ("direct_answer", Actor.agent): {Status.received: Status.replied},
    ("direct_answer", Actor.dispatcher): {Status.received: Status.replied},
    ("sign", Actor.lead): {Status.dispatched: Status.signed},
    ("sign", Actor.co): {Status.dispatched: None, Status.signed: None, Status.in_progress: None},
    ("start", Actor.lead): {Status.signed: Status.in_progress},
    ("return", Actor.lead): {Status.dispatched: Status.return_review, Status.signed: Status.return_review},
    ("accept_return", Actor.dispatcher): {Status.return_review: Status.dispatched},
    ("reject_return", Actor.dispatcher): {Status.return_review: Status.signed},  # back where it was
    ("request_extension", Actor.lead): {Status.signed: None, Status.in_progress: None},
    ("approve_extension", Actor.dispatcher): {Status.signed: None, Status.in_progress: None},
    ("deny_extension", Actor.dispatcher): {Status.signed: None, Status.in_progress: None},
    ("add_co_handler", Actor.lead): {Status.dispatched: None, Status.signed: None, Status.in_progress: None},
    ("add_co_handler", Actor.dispatcher): {Status.dispatched: None, Status.signed: None, Status.in_progress: None},
    ("contribute", Actor.co): {Status.dispatched: None, Status.signed: None, Status.in_progress: None},
    ("reply", Actor.lead): {Status.signed: Status.replied, Status.in_progress: Status.replied},
    ("close", Actor.agent): {Status.replied: Status.closed},
    ("close", Actor.dispatcher): {Status.replied: Status.closed},
    ("redispatch", Actor.dispatcher): {s: Status.dispatched for s in (Status.dispatched, Status.signed,
                                                                      Status.in_progress)},
}
OPEN_ONES = (Status.received, Status.dispatched, Status.signed, Status.in_progress, Status.return_review)
for who in (Actor.agent, Actor.dispatcher):
    # With a satisfied outcome (see view()), a callback closes the case.
    EXPECTED[("callback", who)] = {Status.replied: Status.closed}
    EXPECTED[("merge", who)] = {s: Status.closed for s in OPEN_ONES}
EXPECTED[("rate", Actor.requester)] = {Status.replied: Status.closed}
EXPECTED[("mark_major", Actor.dispatcher)] = {s: None for s in OPEN_ONES}
for who in (Actor.agent, Actor.dispatcher):
    EXPECTED[("link", who)] = {s: None for s in (*OPEN_ONES, Status.replied)}
    EXPECTED[("unlink", who)] = {s: None for s in (*OPEN_ONES, Status.replied)}
for who in (Actor.requester, Actor.agent):
    EXPECTED[("withdraw", who)] = {s: Status.withdrawn for s in (
        Status.received, Status.dispatched, Status.signed, Status.in_progress, Status.return_review)}


def view(status: Status, action: str) -> CaseView:
    """A case in `status` where the action's own preconditions hold."""
    return CaseView(
        status=status, handle_due=LATER, return_until=LATER,
        extension_pending=action in ("approve_extension", "deny_extension"),
        extension_days_granted=0, extension_cap=10,
        status_before_return=Status.signed if status == Status.return_review else None,
        my_assignment_status="dispatched",
    )


def test_expected_table_names_every_action():
    assert {a for a, _ in EXPECTED} == set(ACTIONS)


@pytest.mark.parametrize("status", list(Status))
@pytest.mark.parametrize("action", ACTIONS)
@pytest.mark.parametrize("actor", list(Actor))
def test_every_status_action_actor(status, action, actor):
    case = view(status, action)
    expected = EXPECTED.get((action, actor), {})
    if status in expected:
        target, acted_as = decide(action, case, frozenset({actor}), NOW, SATISFIED)
        assert acted_as == actor
        assert target == (expected[status] or status)
        assert action in allowed_actions(case, frozenset({actor}), NOW)
    else:
        with pytest.raises(LifecycleError) as err:
            decide(action, case, frozenset({actor}), NOW, SATISFIED)
        assert err.value.code == "action_not_allowed"
        assert err.value.http_status == 409
        assert action not in allowed_actions(case, frozenset({actor}), NOW)


def test_unknown_action():
    with pytest.raises(LifecycleError) as err:
        decide("teleport", view(Status.received, "x"), frozenset({Actor.agent}), NOW)
    assert err.value.code == "action_unknown"


def test_no_role_no_action():
    for status in Status:
        assert allowed_actions(view(status, "x"), frozenset(), NOW) == []


def test_return_only_within_window():
    case = CaseView(status=Status.signed, handle_due=LATER, return_until=NOW - timedelta(seconds=1),
                    extension_pending=False, extension_days_granted=0, extension_cap=10)
    with pytest.raises(LifecycleError) as err:
        decide("return", case, frozenset({Actor.lead}), NOW)
    assert err.value.code == "return_window_closed"
    assert "return" not in allowed_actions(case, frozenset({Actor.lead}), NOW)


def test_extension_guards():
    base = dict(status=Status.signed, return_until=LATER, extension_days_granted=0, extension_cap=10)
    late = CaseView(handle_due=NOW, extension_pending=False, **base)
    with pytest.raises(LifecycleError) as err:
        decide("request_extension", late, frozenset({Actor.lead}), NOW)
    assert err.value.code == "extension_after_deadline"
    pending = CaseView(handle_due=LATER, extension_pending=True, **base)
    with pytest.raises(LifecycleError) as err:
        decide("request_extension", pending, frozenset({Actor.lead}), NOW)
    assert err.value.code == "extension_pending"
    used_up = CaseView(handle_due=LATER, extension_pending=False, status=Status.signed, return_until=LATER,
                       extension_days_granted=10, extension_cap=10)
    with pytest.raises(LifecycleError) as err:
        decide("request_extension", used_up, frozenset({Actor.lead}), NOW)
    assert err.value.code == "extension_cap_exceeded"
    partly = CaseView(handle_due=LATER, extension_pending=False, status=Status.signed, return_until=LATER,
                      extension_days_granted=7, extension_cap=10)
    assert extension_fits(partly, 3) is None
    assert extension_fits(partly, 4).code == "extension_cap_exceeded"


def test_co_handler_signs_once_and_contributes_once():
    signed = CaseView(status=Status.signed, handle_due=LATER, return_until=LATER, extension_pending=False,
                      extension_days_granted=0, extension_cap=10, my_assignment_status="signed")
    assert "sign" not in allowed_actions(signed, frozenset({Actor.co}), NOW)
    assert "contribute" in allowed_actions(signed, frozenset({Actor.co}), NOW)
    done = CaseView(status=Status.signed, handle_due=LATER, return_until=LATER, extension_pending=False,
                    extension_days_granted=0, extension_cap=10, my_assignment_status="contributed")
    assert "contribute" not in allowed_actions(done, frozenset({Actor.co}), NOW)


def test_reject_return_goes_back_to_dispatched_when_returned_unsigned():
    case = CaseView(status=Status.return_review, handle_due=LATER, return_until=LATER, extension_pending=False,
                    extension_days_granted=0, extension_cap=10, status_before_return=Status.dispatched)
    target, _ = decide("reject_return", case, frozenset({Actor.dispatcher}), NOW)
    assert target == Status.dispatched


# ---- callbacks and ratings: where the outcome sends a replied case --------------------------------

def replied(**kw) -> CaseView:
    base = dict(status=Status.replied, handle_due=LATER, return_until=LATER, extension_pending=False,
                extension_days_granted=0, extension_cap=10, callback_max_tries=3)
    return CaseView(**{**base, **kw})


@pytest.mark.parametrize(("outcome", "by_requester", "has_lead", "expected"), [
    (Outcome(True, True, "satisfied"), False, True, (Status.closed, "closed", "satisfied", True)),
    (Outcome(True, False, "basically_satisfied"), False, True, (Status.closed, "closed", "basically_satisfied",
                                                                True)),
    (Outcome(True, False, "dissatisfied"), False, True, (Status.closed, "closed", "dissatisfied", True)),
    (Outcome(True, False, "dissatisfied", unit_at_fault=True), False, True, (Status.dispatched, "redo", None, True)),
    (Outcome(True, False, "dissatisfied", unit_at_fault=True), False, False, (Status.received, "redo", None, True)),
    (Outcome(True, True, "satisfied"), True, True, (Status.closed, "closed", "satisfied", True)),
    (Outcome(True, False, "dissatisfied"), True, True, (Status.replied, "awaiting_review", None, True)),
])
def test_after_callback_outcomes(outcome, by_requester, has_lead, expected):
    result = after_callback(outcome, replied(has_lead_unit=has_lead), by_requester=by_requester)
    assert (result.status, result.result, result.close_reason, result.counted) == expected


def test_unreached_retries_until_the_profiles_tries_are_used():
    unreached = Outcome(reached=False)
    first = after_callback(unreached, replied(callback_attempts=0), by_requester=False)
    second = after_callback(unreached, replied(callback_attempts=1), by_requester=False)
    third = after_callback(unreached, replied(callback_attempts=2), by_requester=False)
    assert (first.status, first.result, first.counted) == (Status.replied, "retry", False)
    assert (second.status, second.result) == (Status.replied, "retry")
    assert (third.status, third.result, third.close_reason, third.counted) == (Status.closed, "unreached",
                                                                               "unreached", False)
    one_try = after_callback(unreached, replied(callback_max_tries=1), by_requester=False)
    assert one_try.close_reason == "unreached"


def test_callback_needs_an_outcome_and_a_resident_rates_once():
    with pytest.raises(LifecycleError) as err:
        decide("callback", replied(), frozenset({Actor.agent}), NOW)
    assert (err.value.code, err.value.http_status) == ("callback_outcome_required", 422)
    with pytest.raises(LifecycleError) as err:
        decide("rate", replied(rated_this_round=True), frozenset({Actor.requester}), NOW, SATISFIED)
    assert err.value.code == "already_rated"
    target, _ = decide("callback", replied(), frozenset({Actor.agent}),
                       NOW, Outcome(True, False, "dissatisfied", unit_at_fault=True))
    assert target == Status.dispatched


def test_no_extension_while_a_kind_has_stopped_the_clock():
    paused = CaseView(status=Status.signed, handle_due=None, return_until=LATER, extension_pending=False,
                      extension_days_granted=0, extension_cap=10)
    with pytest.raises(LifecycleError) as exc:
        decide("request_extension", paused, frozenset({Actor.lead}), NOW)
    assert exc.value.code == "extension_clock_paused"
    assert "request_extension" not in allowed_actions(paused, frozenset({Actor.lead}), NOW)
