"""The Chinese working-day calendar, as a pure value.

Days differ from Monday–Friday only by the official schedule: holidays on
weekdays and 调休 weekends made into working days. A year with no schedule
falls back to Monday–Friday with the statutory holidays the law fixes
(app.calendar.statutory) as rest days, and every answer says the calendar was
incomplete for the span it touched, since that year's 调休 is not known;
nothing here raises for a missing year.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta

from app.calendar.statutory import statutory_days


@dataclass(frozen=True)
class WorkCalendar:
    # date -> True (working) / False (rest), only for days that differ from Mon–Fri
    overrides: Mapping[date, bool] = field(default_factory=dict)
    covered_years: frozenset[int] = frozenset()
    names: Mapping[date, str] = field(default_factory=dict)

    def is_working_day(self, day: date) -> bool:
        if day in self.overrides:
            return self.overrides[day]
        if day.year not in self.covered_years and day in statutory_days(day.year):
            return False  # a year with no schedule still has the holidays the law fixes
        return day.weekday() < 5

    def name_of(self, day: date) -> str | None:
        """The day's holiday or 调休 name, from the schedule or, for a year without one, from the law."""
        if day in self.names:
            return self.names[day]
        return statutory_days(day.year).get(day) if day.year not in self.covered_years else None

    def is_complete(self, day: date) -> bool:
        return day.year in self.covered_years

    def add_working_days(self, start: date, days: int) -> tuple[date, bool]:
        """The `days`-th working day after `start` (start itself not counted).

        days == 0 answers `start` if it is a working day, else the next one.
        Negative counts walk backwards. Returns (date, calendar_complete).
        """
        complete = self.is_complete(start)
        current = start
        if days == 0:
            while not self.is_working_day(current):
                current += timedelta(days=1)
                complete = complete and self.is_complete(current)
            return current, complete
        step = timedelta(days=1 if days > 0 else -1)
        remaining = abs(days)
        while remaining:
            current += step
            complete = complete and self.is_complete(current)
            if self.is_working_day(current):
                remaining -= 1
        return current, complete

    def working_days_between(self, start: date, end: date) -> tuple[int, bool]:
        """Working days in (start, end]; negative when end is before start."""
        if end == start:
            return 0, self.is_complete(start)
        sign = 1 if end > start else -1
        lo, hi = (start, end) if sign > 0 else (end, start)
        count, complete, current = 0, self.is_complete(lo), lo
        while current < hi:
            current += timedelta(days=1)
            complete = complete and self.is_complete(current)
            count += self.is_working_day(current)
        return sign * count, complete


def build_calendar(
    package_years: Mapping[date, tuple[bool, str | None]],
    package_covered: Iterable[int],
    loaded_days: Mapping[date, tuple[bool, str | None]],
    loaded_years: Iterable[int],
) -> WorkCalendar:
    """Merges the maintained package's schedule with administrator-loaded years.

    A loaded year replaces the package's data for that year entirely, so a
    corrected schedule never mixes with the old one.
    """
    loaded = set(loaded_years)
    overrides: dict[date, bool] = {}
    names: dict[date, str] = {}
    for source in (package_years, loaded_days):
        for day, (working, name) in source.items():
            if source is package_years and day.year in loaded:
                continue
            if working != (day.weekday() < 5):
                overrides[day] = working
            if name:
                names[day] = name
    return WorkCalendar(overrides=overrides, covered_years=frozenset(set(package_covered) | loaded), names=names)
