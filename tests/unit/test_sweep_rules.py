"""The sweep's pure rules: which marks fall due when, on the working calendar."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from app.calendar.deadlines import Limit
from app.calendar.package import package_schedule
from app.calendar.workdays import WorkCalendar
from app.supervision.rules import Policy, SweepFacts, marks_due, start_of_day_after

ZONE = ZoneInfo("Asia/Shanghai")
POLICY = Policy(chase_after_overdue=Limit(1, "working_days"), supervise_after_chase=Limit(5, "working_days"))
_DAYS, _YEARS = package_schedule()
CAL = WorkCalendar(overrides={d: w for d, (w, _) in _DAYS.items()}, covered_years=_YEARS)
# Due at the close of Wed 30 Sep 2026, the eve of the National Day holiday (1–7 Oct; Sat 10 Oct is worked).
DUE = datetime(2026, 9, 30, 15, 59, 59, tzinfo=UTC)


def z(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_chase_starts_the_next_working_day_after_the_holiday():
    assert start_of_day_after(DUE, POLICY.chase_after_overdue, CAL, ZONE) == z(2026, 10, 7, 16, 0)


def test_nothing_before_the_deadline_then_overdue_with_the_chase_scheduled():
    facts = SweepFacts(status="in_progress", handle_due=DUE)
    assert marks_due(facts, DUE, POLICY, CAL, ZONE) == []
    marks = marks_due(facts, z(2026, 10, 1, 2, 0), POLICY, CAL, ZONE)
    assert [m.type for m in marks] == ["handle_overdue"]
    assert marks[0].changes["chase_due"] == z(2026, 10, 7, 16, 0)


def test_chase_waits_for_the_working_day_but_not_for_an_undecided_extension():
    overdue = SweepFacts(status="signed", handle_due=DUE, handle_overdue_at=z(2026, 10, 1, 2, 0),
                         chase_due=z(2026, 10, 7, 16, 0))
    assert marks_due(overdue, z(2026, 10, 7, 15, 59), POLICY, CAL, ZONE) == []
    marks = marks_due(overdue, z(2026, 10, 7, 16, 30), POLICY, CAL, ZONE)
    assert [m.type for m in marks] == ["chase"]
    # 5 working days after Thu 8 Oct: Fri 9, Sat 10 (worked), Mon 12, Tue 13, Wed 14.
    assert marks[0].changes["supervise_due"] == z(2026, 10, 13, 16, 0)
    # An extension request nobody decided does not stop the clock (issue 23): the unit is chased all the same.
    asked = SweepFacts(**{**overdue.__dict__, "extension_pending": True})
    assert [m.type for m in marks_due(asked, z(2026, 10, 7, 16, 30), POLICY, CAL, ZONE)] == ["chase"]


def test_an_undecided_extension_reminds_the_approver_once_then_lapses_at_the_due():
    watch = z(2026, 9, 29, 16, 0)
    asked = SweepFacts(status="signed", handle_due=DUE, extension_pending=True, extension_watch_at=watch)
    assert marks_due(asked, watch - timedelta(minutes=1), POLICY, CAL, ZONE) == []
    reminder = marks_due(asked, watch, POLICY, CAL, ZONE)
    assert [m.type for m in reminder] == ["extension_reminder"]
    assert reminder[0].changes["extension_watch_at"] == DUE
    reminded = SweepFacts(**{**asked.__dict__, "extension_reminded": True, "extension_watch_at": DUE})
    assert marks_due(reminded, DUE, POLICY, CAL, ZONE) == []
    after = marks_due(reminded, DUE + timedelta(minutes=1), POLICY, CAL, ZONE)
    assert [m.type for m in after] == ["extension_lapsed", "handle_overdue"]
    assert after[0].changes == {"extension_request": None, "extension_watch_at": None}


def test_a_late_sweep_catches_up_in_order_and_marks_are_written_once():
    facts = SweepFacts(status="dispatched", sign_due=z(2026, 9, 23, 2, 0), handle_due=DUE)
    marks = marks_due(facts, z(2026, 10, 20, 2, 0), POLICY, CAL, ZONE)
    # Supervision counts from when the chase was actually sent, so a late sweep does not skip the unit's 5 days.
    assert [m.type for m in marks] == ["sign_overdue", "handle_overdue", "chase"]
    assert marks[2].changes["supervise_due"] == z(2026, 10, 26, 16, 0)  # Tue 20 Oct + 5 working days
    done = SweepFacts(status="dispatched", sign_due=facts.sign_due, handle_due=DUE,
                      **{k: v for m in marks for k, v in m.changes.items()})
    assert marks_due(done, z(2026, 10, 21, 2, 0), POLICY, CAL, ZONE) == []


def test_no_chase_when_the_case_is_no_longer_with_the_unit():
    for status in ("replied", "closed", "withdrawn", "return_review", "received"):
        facts = SweepFacts(status=status, handle_due=DUE, chase_due=z(2026, 10, 7, 16, 0))
        assert [m.type for m in marks_due(facts, z(2026, 10, 20, 2, 0), POLICY, CAL, ZONE)] == []


def test_callback_reminder_once():
    facts = SweepFacts(status="replied", callback_due=z(2026, 10, 8, 15, 59, 59))
    assert marks_due(facts, z(2026, 10, 8, 15, 0), POLICY, CAL, ZONE) == []
    marks = marks_due(facts, z(2026, 10, 8, 16, 30), POLICY, CAL, ZONE)
    assert [m.type for m in marks] == ["callback_reminder"]
    reminded = SweepFacts(status="replied", callback_due=facts.callback_due,
                          callback_reminded_at=z(2026, 10, 8, 16, 30))
    assert marks_due(reminded, z(2026, 10, 9, 16, 30), POLICY, CAL, ZONE) == []
