"""What one case adds to the performance figures, from its stored rows alone (pure).

Every figure is a sum of these contributions. Each contribution is a counter placed on a local day, a unit (None:
the centre) and a street (the first nine digits of the case's region code). The rollups keep the sums per day and
unit, and per day and street; a recount applies this same function to every case as it is stored now, so the
rollups and the recount can be compared figure by figure.

Contributions depend only on the rows, never on the clock: whether a deadline has passed is decided when the figures
are read (a deadline counts once its local day is over; see `rates.py`).

Which case, which unit, which day (the definitions the API documents, in rates.py, say the same in words):

- A merged duplicate (close_reason 'merged') contributes `merged` on the day it was taken and nothing else: the
  problem is counted once, under its master case.
- `taken`, `direct_answered`: the day the case was taken (created), credited to its current lead unit (None while
  the centre holds it) and its current place.
- `dispatched`, `returned`: every lead dispatch (the first, each re-dispatch, an accepted return, a redo), on the
  day of the dispatch, credited to the unit it went to. `returned`: that unit filed a return (退单) while the
  dispatch was its own, whether or not the centre accepted it.
- `sign_due`, `responded`, `signed_on_time`: every lead dispatch with a sign-for deadline, on the deadline's day,
  credited to the unit it went to. A dispatch taken away (re-dispatched, withdrawn, merged) before its deadline
  without a response is left out: nobody was late. `responded`: signed or returned by the deadline;
  `signed_on_time`: signed by the deadline.
- `handle_due`, `handled_on_time`, `extended`: a case with a lead unit and a handling deadline, not withdrawn, on
  the day of the deadline as it now stands (an approved extension moves it; a redo or a new lead starts a new
  one), credited to the current lead unit. `handled_on_time`: replied by the deadline; `extended`: an extension
  was approved in the current round.
- `replied`, `overridden`: a reply by a lead unit (not a direct answer), on the day of the reply, credited to that
  unit. `overridden`: a decision was recorded against the latest check (an `override` event) on the case, before
  the reply or after it (a time-bank redemption a leader signed off once the care was given).
- `cb_*`: every valid callback or rating (the last valid evaluation of each reply), on its day, credited to the
  unit whose reply it judged (None: a direct answer). `cb_redo`: it sent the case back for redo (重办).

A deadline at local midnight is the end of the day before (a case due "by 30 November" is due at 1 December
00:00): its day is the local date of the instant just before it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.models.metrics import COUNTER_COLUMNS

COUNTERS: tuple[str, ...] = COUNTER_COLUMNS
# Counters placed on a deadline's day: they count only once that day is over (not yet due: in neither part).
DEADLINE_COUNTERS: frozenset[str] = frozenset({"sign_due", "responded", "signed_on_time", "handle_due",
                                               "handled_on_time", "extended"})
SATISFIED = ("satisfied", "basically_satisfied")

Key = tuple[date, int | None, str]  # (local day, unit id or None for the centre, street: 9 digits)
Counts = dict[str, int]
Contribution = dict[Key, Counts]


@dataclass(frozen=True)
class CaseRow:
    id: int
    created_at: datetime
    region_code: str
    lead_unit_id: int | None
    status: str
    close_reason: str | None
    direct_answer: bool
    handle_due: datetime | None
    replied_at: datetime | None
    extension_days_granted: int


@dataclass(frozen=True)
class LeadRow:
    """A lead assignment: one dispatch of the case to one unit."""

    id: int
    unit_id: int
    dispatched_at: datetime
    sign_due: datetime | None
    signed_at: datetime | None
    finished_at: datetime | None


@dataclass(frozen=True)
class CallbackRow:
    """A valid (counted) callback or rating."""

    at: datetime
    unit_id: int | None
    solved: bool | None
    satisfaction: str | None
    outcome: str


@dataclass(frozen=True)
class EventRow:
    """A timeline event the figures read: `return` and `override`."""

    type: str
    at: datetime
    unit_id: int | None


@dataclass(frozen=True)
class CaseRows:
    case: CaseRow
    leads: tuple[LeadRow, ...] = ()
    callbacks: tuple[CallbackRow, ...] = ()
    events: tuple[EventRow, ...] = field(default_factory=tuple)


EVENT_TYPES = ("return", "override")


def local_day(at: datetime, zone: ZoneInfo) -> date:
    return at.astimezone(zone).date()


def deadline_day(at: datetime, zone: ZoneInfo) -> date:
    """The local day a deadline ends: a deadline at midnight belongs to the day before."""
    return (at.astimezone(zone) - timedelta(microseconds=1)).date()


def street_of(region_code: str) -> str:
    return region_code[:9]


def _return_during(lead: LeadRow, events: Iterable[EventRow]) -> datetime | None:
    """The first return the unit filed while the dispatch was its own."""
    times = [e.at for e in events if e.type == "return" and e.unit_id == lead.unit_id and e.at >= lead.dispatched_at
             and (lead.finished_at is None or e.at <= lead.finished_at)]
    return min(times) if times else None


def contribution(rows: CaseRows, zone: ZoneInfo) -> Contribution:
    """The case's counters by (day, unit, street). Zero counters are left out."""
    out: dict[Key, Counts] = {}
    c = rows.case
    street = street_of(c.region_code)

    def add(day: date, unit: int | None, counts: Iterable[tuple[str, int]]) -> None:
        bucket = out.get((day, unit, street))
        if bucket is None:
            bucket = out[(day, unit, street)] = {}
        for name, n in counts:
            if n:
                bucket[name] = bucket.get(name, 0) + n

    taken_day = local_day(c.created_at, zone)
    if c.close_reason == "merged":
        add(taken_day, c.lead_unit_id, (("merged", 1),))
        return _clean(out)
    add(taken_day, c.lead_unit_id, (("taken", 1), ("direct_answered", int(c.direct_answer))))
    for lead in rows.leads:
        returned_at = _return_during(lead, rows.events) if rows.events else None
        add(local_day(lead.dispatched_at, zone), lead.unit_id,
            (("dispatched", 1), ("returned", int(returned_at is not None))))
        if lead.sign_due is None:
            continue
        signed = lead.signed_at is not None and lead.signed_at <= lead.sign_due
        responded = signed or (returned_at is not None and returned_at <= lead.sign_due)
        taken_away = (not responded and lead.signed_at is None and returned_at is None
                      and lead.finished_at is not None and lead.finished_at < lead.sign_due)
        if not taken_away:
            add(deadline_day(lead.sign_due, zone), lead.unit_id,
                (("sign_due", 1), ("responded", int(responded)), ("signed_on_time", int(signed))))
    if c.handle_due is not None and c.lead_unit_id is not None and c.status != "withdrawn":
        on_time = c.replied_at is not None and c.replied_at <= c.handle_due
        add(deadline_day(c.handle_due, zone), c.lead_unit_id,
            (("handle_due", 1), ("handled_on_time", int(on_time)), ("extended", int(c.extension_days_granted > 0))))
    if c.replied_at is not None and c.lead_unit_id is not None:
        replied_at = c.replied_at
        overridden = any(e.type == "override" for e in rows.events)
        add(local_day(replied_at, zone), c.lead_unit_id, (("replied", 1), ("overridden", int(overridden))))
    for cb in rows.callbacks:
        add(local_day(cb.at, zone), cb.unit_id,
            (("cb_valid", 1), ("cb_solved", int(cb.solved is True)),
             ("cb_satisfied", int(cb.satisfaction == "satisfied")),
             ("cb_basic", int(cb.satisfaction == "basically_satisfied")),
             ("cb_dissatisfied", int(cb.satisfaction == "dissatisfied")), ("cb_redo", int(cb.outcome == "redo"))))
    return _clean(out)


def _clean(out: dict[Key, Counts]) -> Contribution:
    return {k: v for k, v in out.items() if v}


# ---------------------------------------------------------------- stored form and differences

def encode(contrib: Contribution) -> list[list[Any]]:
    """The JSON kept per case: [[day, unit_id, street, {counter: n}], ...], sorted."""
    return [[day.isoformat(), unit, street, dict(sorted(counts.items()))]
            for (day, unit, street), counts in sorted(contrib.items(), key=lambda kv: _sort_key(kv[0]))]


def decode(stored: Iterable[list[Any]] | None) -> Contribution:
    out: Contribution = {}
    for day, unit, street, counts in stored or ():
        out[(date.fromisoformat(day), unit, street)] = {k: int(v) for k, v in counts.items()}
    return out


def _sort_key(key: Key) -> tuple[date, int, str]:
    day, unit, street = key
    return day, -1 if unit is None else unit, street


def difference(before: Contribution, after: Contribution) -> Contribution:
    """after − before, zero counters left out."""
    out: dict[Key, Counts] = {}
    for key in before.keys() | after.keys():
        old, new = before.get(key, {}), after.get(key, {})
        delta = {name: new.get(name, 0) - old.get(name, 0) for name in old.keys() | new.keys()}
        delta = {k: v for k, v in delta.items() if v}
        if delta:
            out[key] = delta
    return out


@dataclass
class Deltas:
    """What to add to the rollup rows: per (unit, day) and per (street, day)."""

    units: dict[tuple[int, date], Counts] = field(default_factory=dict)
    streets: dict[tuple[str, date], Counts] = field(default_factory=dict)

    def add(self, contrib: Contribution) -> None:
        for (day, unit, street), counts in contrib.items():
            if unit is not None:
                _merge(self.units.setdefault((unit, day), {}), counts)
            _merge(self.streets.setdefault((street, day), {}), counts)

    def cleaned(self) -> "Deltas":
        """Without the zeros (a case moved between streets adds nothing to its unit's totals)."""
        def nonzero(rows: dict[Any, Counts]) -> dict[Any, Counts]:
            kept = {k: {name: n for name, n in v.items() if n} for k, v in rows.items()}
            return {k: v for k, v in kept.items() if v}

        return Deltas(units=nonzero(self.units), streets=nonzero(self.streets))


def _merge(target: Counts, counts: Mapping[str, int]) -> None:
    for name, n in counts.items():
        target[name] = target.get(name, 0) + n
