"""The period an auditor asks for: `from` and `to`, each a local date (a whole day, inclusive) or an instant with
its UTC offset. Pure: the zone is passed in.

`from=2026-11-23&to=2026-11-23` is the whole of 23 November in the zone (Asia/Shanghai): from its midnight,
inclusive, to the next midnight, exclusive. An instant bounds the period at that instant, `to` inclusive.
"""

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")
# A "+" left unencoded in a query string arrives as a space: "2026-11-23T10:00:00 08:00".
_SPACED_OFFSET = re.compile(r"^(.+\d) (\d{2}(?::?\d{2})?)$")
_INSTANT = timedelta(microseconds=1)


class PeriodError(ValueError):
    """A bound that cannot be read, or a period that ends before it starts: the parameters and why."""

    def __init__(self, code: str, fields: tuple[str, ...]):
        super().__init__(code)
        self.code, self.fields = code, fields


@dataclass(frozen=True)
class Period:
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None


def bound(raw: str, zone: ZoneInfo, *, field: str, upper: bool) -> datetime:
    """One bound in UTC: a date's first instant (`from`) or the next day's (`to`); an instant as given."""
    text = raw.strip()
    try:
        if _DATE.fullmatch(text):
            day = date.fromisoformat(text)
            if upper:
                day += timedelta(days=1)
            return datetime.combine(day, time(), zone).astimezone(UTC)
        spaced = _SPACED_OFFSET.match(text)
        at = datetime.fromisoformat(f"{spaced.group(1)}+{spaced.group(2)}" if spaced else text)
    except (ValueError, OverflowError) as exc:
        raise PeriodError("audit_period_format", (field,)) from exc
    if at.tzinfo is None:
        raise PeriodError("audit_period_offset", (field,))
    try:
        return at.astimezone(UTC) + (_INSTANT if upper else timedelta())
    except OverflowError as exc:
        raise PeriodError("audit_period_format", (field,)) from exc


def period(start: str | None, end: str | None, zone: ZoneInfo) -> Period:
    """The period the two parameters give; either may be left out (open on that side)."""
    lower = bound(start, zone, field="from", upper=False) if start is not None else None
    upper = bound(end, zone, field="to", upper=True) if end is not None else None
    if lower is not None and upper is not None and lower >= upper:
        raise PeriodError("audit_period_inverted", ("from", "to"))
    return Period(lower, upper)
