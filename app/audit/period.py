"""The period an auditor asks for: `from` and `to`, each a local date or an instant with its UTC offset, read as
the rest of the API reads them (app/core/clock.py `instant_or_day`). Pure: the zone is passed in.

A date is a whole local day: `from=2026-11-23&to=2026-11-23` is 23 November in the zone (Asia/Shanghai), from
its midnight to the next, exclusive. An instant bounds the period at that instant; `to` is exclusive, as in
`GET /cases`. A period that ends where or before it starts is refused.
"""

import re
from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from app.core.clock import instant_or_day

# A "+" left unencoded in a query string arrives as a space: "2026-11-23T10:00:00 08:00".
_SPACED_OFFSET = re.compile(r"^(.+\d) (\d{2}(?::?\d{2})?)$")


class PeriodError(ValueError):
    """A bound that cannot be read, or a period that ends before it starts: why (a field error code) and where."""

    def __init__(self, code: str, fields: tuple[str, ...]):
        super().__init__(code)
        self.code, self.fields = code, fields


@dataclass(frozen=True)
class Period:
    start: datetime | None = None  # UTC, inclusive
    end: datetime | None = None  # UTC, exclusive

    def __bool__(self) -> bool:
        return self.start is not None or self.end is not None


def bound(raw: str, zone: ZoneInfo, *, field: str, end: bool) -> datetime:
    text = raw.strip()
    spaced = _SPACED_OFFSET.match(text)
    try:
        return instant_or_day(f"{spaced.group(1)}+{spaced.group(2)}" if spaced else text, zone, end=end)
    except (ValueError, OverflowError) as exc:  # OverflowError: the day after 9999-12-31
        raise PeriodError("datetime_parsing", (field,)) from exc


def period(start: str | None, end: str | None, zone: ZoneInfo) -> Period:
    """The period the two parameters give; either may be left out (open on that side)."""
    lower = bound(start, zone, field="from", end=False) if start is not None else None
    upper = bound(end, zone, field="to", end=True) if end is not None else None
    if lower is not None and upper is not None and lower >= upper:
        raise PeriodError("range_inverted", ("from", "to"))
    return Period(lower, upper)
