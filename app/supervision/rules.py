"""What the deadline sweep should write for one case, now: a pure function of the case and the clock.

- sign-for deadline passed, lead unit has not signed → `sign_overdue`
- handling deadline passed while the case is with the unit → `handle_overdue`,
  and the chase falls due at the start of the profile's next working day
- chase due → `chase` (催办), an extension request still undecided or not;
  supervision falls due the profile's number of working days later
- an extension request undecided past the profile's decision limit →
  `extension_reminder` to the approver; still undecided at the handling due →
  `extension_lapsed`: the request lapses, and the case is overdue like any other
- supervision due and the case still with the unit → `supervise` (督办),
  reported to the leadership
- callback due and nobody has called back → `callback_reminder`

Each mark is written once per deadline cycle: the case carries when it was
written, and a new deadline (redo, re-dispatch, extension) clears the marks.
"""

from dataclasses import dataclass, field
from datetime import UTC, datetime, time
from typing import Any
from zoneinfo import ZoneInfo

from app.calendar.deadlines import Basis, Limit, due_after
from app.calendar.workdays import WorkCalendar
from app.cases.lifecycle import AT_UNIT


@dataclass(frozen=True)
class SweepFacts:
    status: str
    sign_due: datetime | None = None
    signed_at: datetime | None = None
    handle_due: datetime | None = None
    extension_pending: bool = False
    extension_watch_at: datetime | None = None  # the reminder's instant, then the due at which the request lapses
    extension_reminded: bool = False
    callback_due: datetime | None = None
    sign_overdue_at: datetime | None = None
    handle_overdue_at: datetime | None = None
    chase_due: datetime | None = None
    chased_at: datetime | None = None
    supervise_due: datetime | None = None
    supervised_at: datetime | None = None
    callback_reminded_at: datetime | None = None
    merged: bool = False  # a duplicate merged into another case (closed, its requester still called back)


@dataclass(frozen=True)
class Policy:
    chase_after_overdue: Limit
    supervise_after_chase: Limit


@dataclass(frozen=True)
class Mark:
    type: str
    changes: dict[str, Any]
    data: dict[str, Any] = field(default_factory=dict)
    bases: dict[str, Basis] = field(default_factory=dict)  # how each new due was computed (for re-planning)


def start_of_day_after(instant: datetime, limit: Limit, calendar: WorkCalendar, zone: ZoneInfo) -> datetime:
    """The start of the local day `limit` after `instant` (hour limits stay on the wall clock)."""
    due = due_after(instant, limit, calendar, zone).at
    if limit.unit == "hours":
        return due
    local_day = due.astimezone(zone).date()
    return datetime.combine(local_day, time(0, 0), tzinfo=zone).astimezone(UTC)


def marks_due(f: SweepFacts, now: datetime, policy: Policy, calendar: WorkCalendar, zone: ZoneInfo) -> list[Mark]:
    """Every mark due at `now`, in order; later marks see the effect of earlier ones (a late sweep catches up)."""
    marks: list[Mark] = []
    if f.status == "dispatched" and f.signed_at is None and f.sign_due is not None and now > f.sign_due \
            and f.sign_overdue_at is None:
        marks.append(Mark("sign_overdue", {"sign_overdue_at": now}, {"sign_due": f.sign_due.isoformat()}))
    if f.status not in AT_UNIT:
        return marks + _callback(f, now)
    marks += _extension(f, now)
    chase_due, chased_at, supervise_due = f.chase_due, f.chased_at, f.supervise_due
    if f.handle_due is not None and now > f.handle_due and f.handle_overdue_at is None:
        chase_due = start_of_day_after(f.handle_due, policy.chase_after_overdue, calendar, zone)
        marks.append(Mark("handle_overdue", {"handle_overdue_at": now, "chase_due": chase_due},
                          {"handle_due": f.handle_due.isoformat(), "chase_due": chase_due.isoformat()},
                          {"chase_due": Basis(f.handle_due, policy.chase_after_overdue, anchor="start")}))
    # An undecided extension request does not stop the clock: the unit is chased and supervised like any other.
    if chase_due is not None and chased_at is None and now >= chase_due:
        chased_at = now
        supervise_due = start_of_day_after(now, policy.supervise_after_chase, calendar, zone)
        marks.append(Mark("chase", {"chased_at": now, "supervise_due": supervise_due},
                          {"handle_due": f.handle_due.isoformat() if f.handle_due else None,
                           "supervise_due": supervise_due.isoformat()},
                          {"supervise_due": Basis(now, policy.supervise_after_chase, anchor="start")}))
    if supervise_due is not None and f.supervised_at is None and now >= supervise_due:
        marks.append(Mark("supervise", {"supervised_at": now},
                          {"chased_at": chased_at.isoformat() if chased_at else None, "report_to": "leadership"}))
    return marks


def _extension(f: SweepFacts, now: datetime) -> list[Mark]:
    """The approver is reminded of an undecided request once; at the handling due the request lapses."""
    if not f.extension_pending or f.extension_watch_at is None or now < f.extension_watch_at:
        return []
    if f.handle_due is not None and now > f.handle_due:
        return [Mark("extension_lapsed", {"extension_request": None, "extension_watch_at": None},
                     {"handle_due": f.handle_due.isoformat()})]
    if f.extension_reminded:
        return []
    return [Mark("extension_reminder", {"extension_reminded_at": now, "extension_watch_at": f.handle_due},
                 {"handle_due": f.handle_due.isoformat() if f.handle_due else None, "report_to": "approver"})]


def _callback(f: SweepFacts, now: datetime) -> list[Mark]:
    # A replied case, or a merged duplicate (closed) whose requester is owed a callback on the master's reply.
    owed = f.status == "replied" or (f.status == "closed" and f.merged)
    if owed and f.callback_due is not None and now > f.callback_due \
            and f.callback_reminded_at is None:
        return [Mark("callback_reminder", {"callback_reminded_at": now}, {"callback_due": f.callback_due.isoformat()})]
    return []
