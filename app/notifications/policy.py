"""When a pushed message may go: quiet hours, the per-person rate limit, retries. Pure, with the clock passed in."""

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from app.notifications.templates import Policy, QuietHours


def quiet_until(now: datetime, zone: ZoneInfo, quiet: QuietHours | None, channel: str,
                urgent: bool) -> datetime | None:
    """The end of the quiet hours `now` falls in (as a UTC instant), or None when the message may go now.

    Quiet hours may run over midnight (22:00-08:00); an urgent (critical) case is never held back."""
    if quiet is None or urgent or channel not in quiet.channels or quiet.start == quiet.end:
        return None
    local = now.astimezone(zone)
    t = local.timetz().replace(tzinfo=None)
    if quiet.start < quiet.end:
        inside = quiet.start <= t < quiet.end
        end_day = local.date()
    else:
        inside = t >= quiet.start or t < quiet.end
        end_day = local.date() + timedelta(days=1) if t >= quiet.start else local.date()
    if not inside:
        return None
    end = datetime.combine(end_day, quiet.end, tzinfo=zone)
    return end.astimezone(now.tzinfo)


def rate_wait(sent: Sequence[datetime], now: datetime, policy: Policy) -> datetime | None:
    """When the next message to this person on this channel may go, or None for now: `sent` are the instants
    of the messages already sent within the window."""
    window = timedelta(minutes=policy.rate_window_minutes)
    recent = sorted(t for t in sent if t > now - window)
    if len(recent) < policy.rate_count:
        return None
    return recent[-policy.rate_count] + window


def spent(attempts: int, policy: Policy) -> bool:
    """True once a failing message has had all its attempts: it becomes a dead letter."""
    return attempts >= policy.max_attempts
