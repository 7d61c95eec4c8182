"""Reads the `chinesecalendar` package (the maintained schedule) into plain data."""

from datetime import date
from functools import lru_cache

import chinese_calendar


@lru_cache(maxsize=1)
def package_schedule() -> tuple[dict[date, tuple[bool, str | None]], frozenset[int]]:
    days: dict[date, tuple[bool, str | None]] = {}
    years: set[int] = set()
    for day, holiday in chinese_calendar.holidays.items():
        days[day] = (False, getattr(holiday, "chinese", None) or str(holiday))
        years.add(day.year)
    for day, holiday in chinese_calendar.workdays.items():
        if day.weekday() >= 5:
            days[day] = (True, (getattr(holiday, "chinese", None) or str(holiday)) + "调休")
    # The package lists holidays for exactly the years it covers (it refuses any other year).
    covered = set(years)
    days = {d: v for d, v in days.items() if d.year in covered}
    return days, frozenset(covered)
