"""The transition table, exhaustively: every status × action × actor."""

from datetime import UTC, datetime, timedelta

import pytest

from app.cases.lifecycle import (
    ACTIONS,
    Actor,
    CaseView,
    LifecycleError,
    Status,
    allowed_actions,
    decide,
    extension_fits,
)

NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
LATER = NOW + timedelta(days=5)

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
        target, acted_as = decide(action, case, frozenset({actor}), NOW)
        assert acted_as == actor
        assert target == (expected[status] or status)
        assert action in allowed_actions(case, frozenset({actor}), NOW)
    else:
        with pytest.raises(LifecycleError) as err:
            decide(action, case, frozenset({actor}), NOW)
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
