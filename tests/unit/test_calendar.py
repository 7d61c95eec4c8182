"""Working days and deadlines across the real 2026 schedule and into 2027 (no data yet)."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest
import yaml

from app.calendar.deadlines import Limit, Profile, deadlines_at_dispatch, due_after, extend_due
from app.calendar.package import package_schedule
from app.calendar.workdays import build_calendar
from app.core.config import ROOT

ZONE = ZoneInfo("Asia/Shanghai")
DAYS, YEARS = package_schedule()
CAL = build_calendar(DAYS, YEARS, {}, [])


def profile(code: str) -> Profile:
    for item in yaml.safe_load((ROOT / "seed" / "deadline_profiles.yaml").read_text()):
        if item["code"] == code:
            return Profile.parse(code, item["spec"])
    raise KeyError(code)


def local(y, m, d, h=10, mi=0) -> datetime:
    return datetime(y, m, d, h, mi, tzinfo=ZONE).astimezone(UTC)


def test_package_covers_2026_not_2027():
    assert 2026 in YEARS and 2027 not in YEARS


def test_national_day_2026():
    # 30 Sept (Wed) + 1 working day: 1–7 Oct are holidays, so 8 Oct.
    assert CAL.add_working_days(date(2026, 9, 30), 1) == (date(2026, 10, 8), True)
    # Sat 10 Oct 2026 is a 调休 working day.
    assert CAL.is_working_day(date(2026, 10, 10))
    assert CAL.add_working_days(date(2026, 10, 9), 1) == (date(2026, 10, 10), True)


def test_spring_festival_2026():
    # Fri 13 Feb + 1: Sat 14 Feb is a 调休 working day.
    assert CAL.add_working_days(date(2026, 2, 13), 1) == (date(2026, 2, 14), True)
    # Sat 14 Feb + 1: 15–23 Feb are holidays, so Tue 24 Feb.
    assert CAL.add_working_days(date(2026, 2, 14), 1) == (date(2026, 2, 24), True)
    assert CAL.names[date(2026, 2, 17)]


def test_year_boundary_falls_back_and_says_so():
    answer, complete = CAL.add_working_days(date(2026, 12, 30), 3)
    # 31 Dec 2026 (Thu) counts; 2027 has no notice: Monday–Friday with the law's statutory days, so 1 Jan (Fri,
    # 元旦) is skipped: 4 Jan (Mon), 5 Jan (Tue).
    assert answer == date(2027, 1, 5)
    assert complete is False
    assert CAL.add_working_days(date(2026, 12, 28), 2) == (date(2026, 12, 30), True)


def test_zero_and_negative_counts():
    assert CAL.add_working_days(date(2026, 10, 3), 0) == (date(2026, 10, 8), True)
    assert CAL.add_working_days(date(2026, 10, 8), -1) == (date(2026, 9, 30), True)
    assert CAL.working_days_between(date(2026, 9, 30), date(2026, 10, 8)) == (1, True)


def test_loaded_year_replaces_fallback():
    loaded = {date(2027, 1, 1): (False, "元旦"), date(2027, 2, 6): (True, "春节调休")}
    cal = build_calendar(DAYS, YEARS, loaded, [2027])
    assert cal.add_working_days(date(2026, 12, 31), 1) == (date(2027, 1, 4), True)
    assert cal.is_working_day(date(2027, 2, 6))


def test_due_in_working_days_ends_at_local_close_of_day():
    due = due_after(local(2026, 9, 30, 16), Limit(5, "working_days"), CAL, ZONE)
    # 8, 9, 10 (Sat 调休), 12, 13 Oct.
    assert due.at == datetime(2026, 10, 13, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    assert due.calendar_complete


def test_hours_run_on_the_wall_clock_through_holidays():
    due = due_after(local(2026, 10, 1, 9), Limit(24, "hours"), CAL, ZONE)
    assert due.at == local(2026, 10, 2, 9)


def test_calendar_days():
    due = due_after(local(2026, 11, 23, 23, 30), Limit(7, "days"), CAL, ZONE)
    assert due.at == datetime(2026, 11, 30, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)


def test_calendar_days_rolling_forward_end_on_the_next_working_day():
    """民法典 Art 203 / 民事诉讼法 Art 85: a period whose last day is a rest day ends on the next working day."""
    rolls = Limit(30, "days", roll_forward=True)
    # 2 Sep + 30 = 2 Oct, inside the National Day holiday (1–7 Oct 2026): the period ends on 8 Oct, still known.
    due = due_after(local(2026, 9, 2, 10), rolls, CAL, ZONE)
    assert (due.at, due.calendar_complete) == (datetime(2026, 10, 8, 23, 59, 59, tzinfo=ZONE).astimezone(UTC), True)
    # A last day that is a working day stays put; without roll_forward nothing moves.
    assert due_after(local(2026, 9, 9, 10), rolls, CAL, ZONE).at == due_after(local(2026, 9, 9, 10), Limit(30, "days"),
                                                                              CAL, ZONE).at
    assert due_after(local(2026, 9, 2, 10), Limit(30, "days"), CAL, ZONE).at == datetime(
        2026, 10, 2, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    # 2 Dec + 30 = 1 Jan 2027 (元旦), a year with no notice yet: the fallback moves it past the weekend to Monday
    # 4 Jan, and says the calendar it used is incomplete.
    due = due_after(local(2026, 12, 2, 10), rolls, CAL, ZONE)
    assert (due.at, due.calendar_complete) == (datetime(2027, 1, 4, 23, 59, 59, tzinfo=ZONE).astimezone(UTC), False)


def test_a_limit_is_one_unit_and_rolls_only_in_days():
    assert Limit.parse({"days": 30, "roll_forward": True}) == Limit(30, "days", True)
    assert "末日遇休息日顺延" in Limit(30, "days", True).describe()["text"]
    for bad in ({"days": 3, "hours": 2}, {"working_days": 3, "roll_forward": True}, {"days": 3, "roll_forward": "yes"},
                {"days": 3, "rollforward": True}, {}):
        with pytest.raises(ValueError):
            Limit.parse(bad)


def test_profiles_pick_limits():
    sh = profile("shanghai_subdistrict")
    at = local(2026, 9, 30, 10)
    consult = deadlines_at_dispatch(sh, work_order_type="consultation", urgency="normal", handling_class="standard",
                                    dispatched_at=at, calendar=CAL, zone=ZONE)
    assert consult.handle_due == datetime(2026, 10, 8, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    complaint = deadlines_at_dispatch(sh, work_order_type="complaint", urgency="normal",
                                      handling_class="standard", dispatched_at=at, calendar=CAL, zone=ZONE)
    assert complaint.handle_due == datetime(2026, 10, 13, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    assert complaint.return_until == datetime(2026, 10, 9, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    complex_ = deadlines_at_dispatch(sh, work_order_type="complaint", urgency="normal", handling_class="complex",
                                     dispatched_at=at, calendar=CAL, zone=ZONE)
    assert complex_.handling_clause == "complex" and complex_.handling_limit == Limit(15, "working_days")
    urgent = deadlines_at_dispatch(profile("beijing_2021"), work_order_type="help", urgency="critical",
                                   handling_class="standard", dispatched_at=at, calendar=CAL, zone=ZONE)
    assert urgent.handle_due == local(2026, 9, 30, 12)
    assert urgent.sign_due <= urgent.handle_due
    shandong = profile("shandong")
    assert shandong.extension_cap_working_days == 10
    assert shandong.handling_limit("consultation", "normal", "standard")[0] == Limit(5, "working_days")


def test_an_inherited_handling_due_is_kept_and_the_new_lead_still_gets_time_to_sign():
    sh = profile("shanghai_subdistrict")
    handed = local(2026, 10, 12, 10)
    fresh = deadlines_at_dispatch(sh, work_order_type="complaint", urgency="normal", handling_class="standard",
                                  dispatched_at=handed, calendar=CAL, zone=ZONE)
    ahead = local(2026, 10, 12, 17)  # due the same afternoon: signing cannot outlast it
    kept = deadlines_at_dispatch(sh, work_order_type="complaint", urgency="normal", handling_class="standard",
                                 dispatched_at=handed, calendar=CAL, zone=ZONE, inherited_handle_due=ahead)
    assert (kept.handle_due, kept.handling_clause) == (ahead, "inherited")
    assert kept.sign_due == ahead < fresh.sign_due and kept.return_until == ahead
    past = local(2026, 10, 9, 17)  # already overdue when it changes hands: the new lead's own times still run
    late = deadlines_at_dispatch(sh, work_order_type="complaint", urgency="normal", handling_class="standard",
                                 dispatched_at=handed, calendar=CAL, zone=ZONE, inherited_handle_due=past)
    assert late.handle_due == past
    assert (late.sign_due, late.return_until) == (fresh.sign_due, fresh.return_until)
    assert fresh.handle_due > fresh.sign_due > handed  # a fresh clock for comparison: a new due, capped signing


def test_extension_counts_working_days_from_the_current_due():
    current = datetime(2026, 9, 30, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
    due = extend_due(current, 2, CAL, ZONE)
    assert due.at == datetime(2026, 10, 9, 23, 59, 59, tzinfo=ZONE).astimezone(UTC)
