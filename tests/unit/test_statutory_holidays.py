"""The holidays the law fixes, for a year no notice covers yet."""

from datetime import date

import chinese_calendar
import pytest

from app.calendar.package import package_schedule
from app.calendar.statutory import schedule_problems, statutory_days
from app.calendar.workdays import build_calendar

DAYS, YEARS = package_schedule()
CAL = build_calendar(DAYS, YEARS, {}, [])


@pytest.mark.parametrize("year", [2025, 2026])
def test_computed_days_are_the_packages_own_for_years_under_the_same_law(year):
    days = statutory_days(year)
    assert len(days) == 13
    for day in days:
        holiday, _ = chinese_calendar.get_holiday_detail(day)
        assert holiday and not CAL.is_working_day(day), day


def test_2027_as_the_law_fixes_it():
    assert sorted(statutory_days(2027)) == [
        date(2027, 1, 1), date(2027, 2, 5), date(2027, 2, 6), date(2027, 2, 7), date(2027, 2, 8),
        date(2027, 4, 5), date(2027, 5, 1), date(2027, 5, 2), date(2027, 6, 9), date(2027, 9, 15),
        date(2027, 10, 1), date(2027, 10, 2), date(2027, 10, 3)]
    assert statutory_days(2027)[date(2027, 2, 5)] == "春节"  # 除夕, the 29th of the 12th lunar month


@pytest.mark.parametrize(("start", "days", "expected"), [
    (date(2026, 12, 31), 1, date(2027, 1, 4)),  # 元旦 Fri 1 Jan
    (date(2027, 2, 4), 1, date(2027, 2, 9)),  # 除夕 Fri 5 Feb … 初三 Mon 8 Feb
    (date(2027, 4, 2), 1, date(2027, 4, 6)),  # 清明 Mon 5 Apr
    (date(2027, 6, 8), 1, date(2027, 6, 10)),  # 端午 Wed 9 Jun
    (date(2027, 9, 14), 1, date(2027, 9, 16)),  # 中秋 Wed 15 Sep
    (date(2027, 9, 30), 1, date(2027, 10, 4)),  # 国庆 Fri 1 Oct
])
def test_a_year_without_a_notice_skips_its_statutory_days_and_says_it_is_incomplete(start, days, expected):
    assert CAL.add_working_days(start, days) == (expected, False)


def test_years_before_the_law_are_not_guessed():
    assert statutory_days(2024) == {}


def test_a_schedule_must_be_the_whole_year():
    all_days = list(statutory_days(2027))
    assert schedule_problems(2027, all_days, [date(2027, 2, 20)]) == []
    problems = schedule_problems(2027, [date(2027, 1, 1), date(2027, 1, 1), date(2026, 12, 31)],
                                 [date(2027, 2, 5)])
    codes = {(p["code"], p["date"]) for p in problems}
    assert ("date_listed_twice", "2027-01-01") in codes
    assert ("date_outside_year", "2026-12-31") in codes
    assert ("statutory_day_as_workday", "2027-02-05") in codes
    assert ("statutory_day_missing", "2027-10-03") in codes
    assert ("statutory_day_missing", "2027-01-01") not in codes
