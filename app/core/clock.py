"""The clock is injected so rules stay pure and tests can travel in time."""

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from zoneinfo import ZoneInfo


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FrozenClock:
    """A clock that only moves when told to (tests, replays)."""

    def __init__(self, at: datetime):
        if at.tzinfo is None:
            raise ValueError("FrozenClock needs an aware datetime")
        self._at = at.astimezone(UTC)

    def now(self) -> datetime:
        return self._at

    def set(self, at: datetime) -> None:
        self._at = at.astimezone(UTC)

    def advance(self, **kwargs: float) -> None:
        self._at += timedelta(**kwargs)


def age_on(birth: date, day: date) -> int:
    """Whole years of age on a local day (a birthday counts from the day itself)."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def instant_or_day(value: str, zone: "ZoneInfo", *, end: bool) -> datetime:
    """A period bound as people write it: a local date (YYYY-MM-DD: its first instant, or with `end` the first
    instant of the next day, so that a `to` date is inclusive) or a timestamp with its UTC offset. ValueError
    otherwise."""
    text = value.strip()
    if len(text) == 10:
        day = date.fromisoformat(text)
        start = datetime.combine(day + timedelta(days=1 if end else 0), datetime.min.time(), tzinfo=zone)
        return start.astimezone(UTC)
    at = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if at.tzinfo is None:
        raise ValueError("a timestamp needs its UTC offset")
    return at.astimezone(UTC)
