"""What a tenancy's dates allow, and how long a person has been registered: pure functions of dates.

A tenancy runs from its start day to its end day, both lived in. It counts as registered from the later of its
start and the day it was filed (residence before the declaration is not registered residence), once the
community has verified it, until it ends (the end day, an earlier move-out, or today while it runs). Months
are counted as the Civil Code counts periods (Arts 201-202, see `whole_months`).

Registrations of one person are continuous when each starts no later than `gap_days` days after the one before
it ended; the residence-permit requirement counts whole months of the continuous run that reaches today
(深圳: "自居住登记之日起连续居住满十二个月"; the number is the profile's `residence_permit_months`).
"""

import calendar
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo


def add_months(day: date, months: int) -> date:
    """The same day `months` later; the month's last day when it is shorter (31 Jan + 1 month = 28/29 Feb)."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def whole_months(first: date, last: date) -> int:
    """Whole months registered from `first` to `last`, as 民法典第二百零一、二百零二条 count a period: the first day
    does not count, and a month ends on the corresponding day of the next month (its last day when it has none):
    23 Nov to 23 Dec is one month, 31 Jan to 28 Feb too."""
    months = max(0, (last.year - first.year) * 12 + last.month - first.month)
    while months > 0 and add_months(first, months) > last:
        months -= 1
    return months


def tenancy_refusal(start: date, end: date, today: date, max_term_years: int) -> tuple[str, str] | None:
    """(code, field) when the dates cannot be a tenancy to register, else None."""
    if end <= start:
        return "tenancy_end_not_after_start", "end_date"
    if end < today:
        return "tenancy_already_ended", "end_date"
    if end >= add_months(start, 12 * max_term_years):  # 民法典第七百零五条: no longer than twenty years
        return "tenancy_term_too_long", "end_date"
    return None


def renewal_too_long(renewed_on: date, end: date, max_term_years: int) -> bool:
    """A renewal (续租) runs at most `max_term_years` from the day it is agreed (民法典第七百零五条第二款)."""
    return end >= add_months(renewed_on, 12 * max_term_years)


def start_of_day(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC)


def lapses_at(end: date, zone: ZoneInfo) -> datetime:
    """The instant a registration lapses: when the day after its last day begins."""
    return start_of_day(end + timedelta(days=1), zone)


def remind_at(end: date, days_before: int, zone: ZoneInfo) -> datetime:
    """When the tenants are reminded: the start of the day `days_before` days before the last day."""
    return start_of_day(end - timedelta(days=days_before), zone)


@dataclass(frozen=True)
class Period:
    """Days registered, both ends included."""

    first: date
    last: date


@dataclass(frozen=True)
class Residence:
    since: date | None  # the first day of the continuous run that reaches today; None when not registered today
    months: int  # whole months of that run, up to today
    threshold_months: int
    meets: bool
    meets_on: date | None  # when the run reaches the threshold, if it goes on; None when not registered today


def continuous_run(periods: Iterable[Period], today: date, gap_days: int) -> Period | None:
    """The run of registrations, joined across gaps of up to `gap_days` days, that reaches today."""
    run: Period | None = None
    for p in sorted((p for p in periods if p.first <= today), key=lambda p: (p.first, p.last)):
        last = min(p.last, today)
        if run is not None and p.first <= run.last + timedelta(days=gap_days + 1):
            run = Period(run.first, max(run.last, last))
        else:
            run = Period(p.first, last)
    return run if run is not None and run.last >= today else None


def residence(periods: Iterable[Period], today: date, threshold_months: int, gap_days: int) -> Residence:
    run = continuous_run(periods, today, gap_days)
    if run is None:
        return Residence(None, 0, threshold_months, False, None)
    months = whole_months(run.first, today)
    meets_on = add_months(run.first, threshold_months)  # the Nth month's corresponding day
    return Residence(run.first, months, threshold_months, months >= threshold_months, meets_on)
