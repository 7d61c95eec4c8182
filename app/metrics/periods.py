"""Periods as people say them, turned into whole local days (pure; the clock is passed in).

- `month=2026-11`: the calendar month.
- `from=2026-11-01&to=2026-11-30`: local dates, both days included.
- `from=2026-11-01T00:00:00+08:00&to=2026-12-01T00:00:00+08:00`: instants with their offset, `to` excluded. The
  figures are kept per local day, so an instant must be a local midnight (any offset that names one is fine).
- Nothing: the current month so far. Only `from`: up to today. Only `to`: the 30 days ending there.

A wrong format, an inverted range, `month` together with `from`/`to`, or more than a year is refused, naming the
parameter. A period with nothing in it is not an error: it has zero counts and null rates.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

MONTH = re.compile(r"^(\d{4})-(\d{2})$")
DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
MAX_DAYS = 366
DEFAULT_DAYS = 30


class PeriodError(Exception):
    """A parameter that does not name a period: `field` is the query parameter, `code` the problem."""

    def __init__(self, field: str, code: str, **params: Any) -> None:
        super().__init__(code)
        self.field = field
        self.code = code
        self.params = params


@dataclass(frozen=True)
class Days:
    """Whole local days, both ends included."""

    first: date
    last: date

    @property
    def count(self) -> int:
        return (self.last - self.first).days + 1

    def start(self, zone: ZoneInfo) -> datetime:
        return datetime.combine(self.first, time(0), tzinfo=zone)

    def end(self, zone: ZoneInfo) -> datetime:
        """The instant the period ends (excluded): midnight after its last day."""
        return datetime.combine(self.last + timedelta(days=1), time(0), tzinfo=zone)

    @property
    def label(self) -> str:
        if self.first.day == 1 and self.last == month_end(self.first):
            return self.first.strftime("%Y-%m")
        iso = self.first.isocalendar()
        if self.first.weekday() == 0 and self.count == 7:
            return f"{iso.year}-W{iso.week:02d}"
        return f"{self.first.isoformat()}/{self.last.isoformat()}"


def month_end(first: date) -> date:
    following = date(first.year + first.month // 12, first.month % 12 + 1, 1)
    return following - timedelta(days=1)


def parse_month(value: str, field: str = "month") -> date:
    match = MONTH.match(value.strip())
    if not match or not 1 <= int(match.group(2)) <= 12 or int(match.group(1)) < 1:
        raise PeriodError(field, "period_month_invalid", value=value)
    return date(int(match.group(1)), int(match.group(2)), 1)


def _bound(value: str, field: str, zone: ZoneInfo, *, is_end: bool) -> date:
    """A `from` or `to` as the first (or last) local day it names."""
    text = value.strip()
    if DATE.match(text):
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise PeriodError(field, "period_date_invalid", value=value) from None
    try:
        instant = datetime.fromisoformat(text.replace("z", "Z"))
    except ValueError:
        raise PeriodError(field, "period_date_invalid", value=value) from None
    if instant.tzinfo is None:
        raise PeriodError(field, "period_offset_missing", value=value)
    local = instant.astimezone(zone)
    if local.time() != time(0) or local.utcoffset() is None:
        raise PeriodError(field, "period_not_midnight", value=value, local=local.isoformat(),
                          zone=zone.key)
    day = local.date()
    return day - timedelta(days=1) if is_end else day  # an end instant excludes the day it begins


def parse(*, month: str | None, start: str | None, end: str | None, now: datetime, zone: ZoneInfo) -> Days:
    today = now.astimezone(zone).date()
    if month is not None and (start is not None or end is not None):
        raise PeriodError("month", "period_month_with_range")
    if month is not None:
        first = parse_month(month)
        return Days(first, month_end(first))
    if start is None and end is None:
        return Days(today.replace(day=1), today)
    last = _bound(end, "to", zone, is_end=True) if end is not None else today
    first = _bound(start, "from", zone, is_end=False) if start is not None else last - timedelta(days=DEFAULT_DAYS - 1)
    end_is_instant = end is not None and not DATE.match(end.strip())
    if first > last + timedelta(days=1) or (first > last and not end_is_instant):
        raise PeriodError("to", "period_invalid")
    if first > last:  # from and to the same instant: an empty period, not an error
        return Days(first, last)
    if (last - first).days + 1 > MAX_DAYS:
        raise PeriodError("to" if end is not None else "from", "period_too_long", days=MAX_DAYS)
    return Days(first, last)


# ---------------------------------------------------------------- series


def months_back(last_month: date, n: int) -> list[Days]:
    """The n calendar months ending with `last_month` (its first day), oldest first."""
    out = []
    year, month = last_month.year, last_month.month
    for _ in range(n):
        first = date(year, month, 1)
        out.append(Days(first, month_end(first)))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return out[::-1]


def weeks_covering(first: date, last: date) -> list[Days]:
    """ISO weeks (Monday to Sunday) from the one holding `first` to the one holding `last`."""
    monday = first - timedelta(days=first.weekday())
    out = []
    while monday <= last:
        out.append(Days(monday, monday + timedelta(days=6)))
        monday += timedelta(days=7)
    return out
