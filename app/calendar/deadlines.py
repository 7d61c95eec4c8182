"""Deadline policy: a profile (seed data) and a calendar in, due instants out.

Hour limits run on the wall clock; day limits end at the close of the local
day (and, where the profile says `roll_forward`, a last day that is a rest day
moves to the next working day, as periods in civil law and civil procedure do:
民法典 Art 203, 民事诉讼法 Art 85); working-day limits count the Chinese
working calendar. All inputs and
outputs are aware UTC; calendar arithmetic happens in the deployment's zone.
"""

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from app.calendar.workdays import WorkCalendar

Unit = Literal["hours", "days", "working_days"]
UNITS: tuple[Unit, ...] = ("hours", "days", "working_days")
END_OF_DAY = time(23, 59, 59)


@dataclass(frozen=True)
class Limit:
    amount: int
    unit: Unit
    roll_forward: bool = False  # days only: a last day that is a rest day ends on the next working day

    @classmethod
    def parse(cls, spec: Mapping[str, Any]) -> "Limit":
        units = [u for u in UNITS if u in spec]
        unknown = set(spec) - set(UNITS) - {"roll_forward"}
        if len(units) != 1 or unknown:
            raise ValueError(f"a limit needs exactly one of {UNITS} (and, for days, roll_forward): {spec!r}")
        roll = spec.get("roll_forward", False)
        if not isinstance(roll, bool) or (roll and units[0] != "days"):
            raise ValueError(f"roll_forward is true or false, and only for a limit in days: {spec!r}")
        return cls(int(spec[units[0]]), units[0], roll)

    def describe(self) -> dict[str, Any]:
        zh = {"hours": "小时", "days": "天", "working_days": "个工作日"}[self.unit]
        en = {"hours": "hours", "days": "calendar days", "working_days": "working days"}[self.unit]
        if self.roll_forward:
            zh, en = zh + "（末日遇休息日顺延）", en + " (a last day on a rest day moves to the next working day)"
        return {"amount": self.amount, "unit": self.unit, "text": f"{self.amount} {zh}",
                "text_en": f"{self.amount} {en}"}


@dataclass(frozen=True)
class StepLimits(Mapping[str, Limit]):
    """A kind's section of a deadline profile: the limit of each of its steps, read like a dict."""

    limits: Mapping[str, Limit]

    @staticmethod
    def parse_steps(spec: Mapping[str, Any], steps: tuple[str, ...]) -> dict[str, Limit]:
        return {step: Limit.parse(spec[step]) for step in steps}

    def __getitem__(self, step: str) -> Limit:
        return self.limits[step]

    def __iter__(self) -> Iterator[str]:
        return iter(self.limits)

    def __len__(self) -> int:
        return len(self.limits)


@dataclass(frozen=True)
class Due:
    at: datetime
    calendar_complete: bool


def _end_of_local_day(day: Any, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, END_OF_DAY, tzinfo=zone).astimezone(UTC)


def due_after(start: datetime, limit: Limit, calendar: WorkCalendar, zone: ZoneInfo) -> Due:
    if limit.unit == "hours":
        return Due(start + timedelta(hours=limit.amount), True)
    local_day = start.astimezone(zone).date()
    if limit.unit == "days":
        last = local_day + timedelta(days=limit.amount)
        if not limit.roll_forward:
            return Due(_end_of_local_day(last, zone), True)
        complete = calendar.is_complete(last)
        while not calendar.is_working_day(last):
            last += timedelta(days=1)
            complete = complete and calendar.is_complete(last)
        return Due(_end_of_local_day(last, zone), complete)
    day, complete = calendar.add_working_days(local_day, limit.amount)
    return Due(_end_of_local_day(day, zone), complete)


def extend_due(current: datetime, working_days: int, calendar: WorkCalendar, zone: ZoneInfo) -> Due:
    """Pushes a due instant by whole working days, ending at the close of that day."""
    return due_after(current, Limit(working_days, "working_days"), calendar, zone)


_PARSED = {"sign_for", "handling", "return_window", "callback", "extension_cap_working_days",
           "chase_after_overdue", "supervise_after_chase", "callback_max_tries", "duplicate_window_days",
           "duplicate_radius_m", "intake_how_min_chars", "tolerance_margin_working_days",
           "tolerance_cap_working_days", "extension_decision", "direct_answer_types"}
# A package's own section of a profile (aid's process limits), parsed by the package when the profile is loaded.
SectionParser = Callable[[Mapping[str, Any]], object]
S = TypeVar("S")


@dataclass(frozen=True)
class Profile:
    """A deadline profile, parsed from its seed-data spec."""

    code: str
    sign_for: Limit
    by_type: dict[str, Limit]
    by_urgency: dict[str, Limit]
    complex: Limit | None
    default: Limit
    return_window: Limit
    callback: Limit
    extension_cap_working_days: int
    chase_after_overdue: Limit
    supervise_after_chase: Limit
    callback_max_tries: int
    duplicate_window_days: int
    duplicate_radius_m: float
    intake_how_min_chars: int
    tolerance_margin_working_days: int  # 容缺受理: supplement by min(promised − margin, cap) working days
    tolerance_cap_working_days: int
    extension_decision: Limit  # the approver is reminded of an undecided extension request after this
    direct_answer_types: frozenset[str]  # work-order types an agent may answer directly (直办) from an article
    sections: Mapping[str, object]  # the packages' own sections, parsed by them (aid, mediation)
    extra: dict[str, Any]

    @classmethod
    def parse(cls, code: str, spec: Mapping[str, Any],
              sections: Mapping[str, SectionParser] | None = None) -> "Profile":
        """Parses the spine's limits, and each package's section with the package's parser; a section the
        profile lacks is an error, so a profile is complete for every kind the application has."""
        handling = spec.get("handling", {})
        sections = sections or {}
        missing = [key for key in sections if key not in spec]
        if missing:
            raise ValueError(f"profile {code} lacks the sections {missing}")
        return cls(
            code=code,
            sign_for=Limit.parse(spec["sign_for"]),
            by_type={k: Limit.parse(v) for k, v in (handling.get("by_type") or {}).items()},
            by_urgency={k: Limit.parse(v) for k, v in (handling.get("by_urgency") or {}).items()},
            complex=Limit.parse(handling["complex"]) if handling.get("complex") else None,
            default=Limit.parse(handling["default"]),
            return_window=Limit.parse(spec["return_window"]),
            callback=Limit.parse(spec["callback"]),
            extension_cap_working_days=int(spec["extension_cap_working_days"]),
            chase_after_overdue=Limit.parse(spec["chase_after_overdue"]),
            supervise_after_chase=Limit.parse(spec["supervise_after_chase"]),
            callback_max_tries=int(spec["callback_max_tries"]),
            duplicate_window_days=int(spec["duplicate_window_days"]),
            duplicate_radius_m=float(spec["duplicate_radius_m"]),
            intake_how_min_chars=int(spec["intake_how_min_chars"]),
            tolerance_margin_working_days=int(spec["tolerance_margin_working_days"]),
            tolerance_cap_working_days=int(spec["tolerance_cap_working_days"]),
            extension_decision=Limit.parse(spec["extension_decision"]),
            direct_answer_types=frozenset(spec["direct_answer_types"]),
            sections={key: parse(spec[key]) for key, parse in sections.items()},
            extra={k: v for k, v in spec.items() if k not in _PARSED and k not in sections},
        )

    def section(self, key: str, kind: type[S]) -> S:
        """A package's section, as the type its parser made."""
        value = self.sections[key]
        if not isinstance(value, kind):
            raise TypeError(f"profile section {key} is a {type(value).__name__}, not a {kind.__name__}")
        return value

    def __getattr__(self, name: str) -> object:
        # `profile.aid` reads the aid package's section, as the profile file names it.
        sections = self.__dict__.get("sections") or {}
        if name in sections:
            return sections[name]
        raise AttributeError(name)

    def handling_limit(self, work_order_type: str, urgency: str, handling_class: str) -> tuple[Limit, str]:
        """The handling limit and which clause of the profile chose it."""
        if urgency in self.by_urgency:
            return self.by_urgency[urgency], f"urgency:{urgency}"
        if handling_class == "complex" and self.complex is not None:
            return self.complex, "complex"
        if work_order_type in self.by_type:
            return self.by_type[work_order_type], f"type:{work_order_type}"
        return self.default, "default"


@dataclass(frozen=True)
class Basis:
    """How a deadline was computed, so that it can be computed again when the calendar it used changes: from
    `start`, `limit`, then `extra_working_days` of extensions; `anchor` "end" is the close of the due day (a
    deadline), "start" its first instant (a chase or supervision falls due when the day begins)."""

    start: datetime
    limit: Limit
    extra_working_days: int = 0
    anchor: Literal["end", "start"] = "end"

    def compute(self, calendar: WorkCalendar, zone: ZoneInfo) -> Due:
        due = due_after(self.start, self.limit, calendar, zone)
        if self.extra_working_days:
            extended = extend_due(due.at, self.extra_working_days, calendar, zone)
            due = Due(extended.at, due.calendar_complete and extended.calendar_complete)
        if self.anchor == "start" and self.limit.unit != "hours":
            day = due.at.astimezone(zone).date()
            due = Due(datetime.combine(day, time(0, 0), tzinfo=zone).astimezone(UTC), due.calendar_complete)
        return due

    def as_json(self) -> dict[str, Any]:
        return {"start": self.start.isoformat(), "amount": self.limit.amount, "unit": self.limit.unit,
                "extra": self.extra_working_days, "anchor": self.anchor}

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> "Basis":
        return cls(datetime.fromisoformat(data["start"]), Limit(int(data["amount"]), data["unit"]),
                   int(data.get("extra", 0)), data.get("anchor", "end"))


@dataclass(frozen=True)
class DispatchDeadlines:
    sign_due: datetime
    handle_due: datetime
    return_until: datetime
    calendar_complete: bool
    handling_limit: Limit
    handling_clause: str
    sign_limit: Limit
    return_limit: Limit
    # Each deadline's basis and whether its calendar was complete (an inherited handling due has no new basis).
    bases: Mapping[str, Basis] = field(default_factory=dict)
    complete: Mapping[str, bool] = field(default_factory=dict)

    def describe(self) -> dict[str, Any]:
        return {
            "sign_due": self.sign_due,
            "handle_due": self.handle_due,
            "return_until": self.return_until,
            "calendar_complete": self.calendar_complete,
            "sign_limit": self.sign_limit.describe(),
            "handling_limit": {**self.handling_limit.describe(), "clause": self.handling_clause},
            "return_window": self.return_limit.describe(),
        }


def deadlines_at_dispatch(
    profile: Profile, *, work_order_type: str, urgency: str, handling_class: str,
    dispatched_at: datetime, calendar: WorkCalendar, zone: ZoneInfo, handling_limit: Limit | None = None,
    inherited_handle_due: datetime | None = None,
) -> DispatchDeadlines:
    """The clock at dispatch. A kind that sets its own handling limit (an item's promised days) passes it in.

    A case whose limit is the applicant's (aid: the whole process in 25 working days) keeps its handling due when
    it changes hands: `inherited_handle_due`. The new lead still gets its own time to sign for it and to return it,
    never beyond a handling due still ahead."""
    if handling_limit is not None:
        limit, clause = handling_limit, "kind"
    else:
        limit, clause = profile.handling_limit(work_order_type, urgency, handling_class)
    sign = due_after(dispatched_at, profile.sign_for, calendar, zone)
    ret = due_after(dispatched_at, profile.return_window, calendar, zone)
    if inherited_handle_due is not None:
        handle_at, handle_complete, clause = inherited_handle_due, True, "inherited"
    else:
        handle = due_after(dispatched_at, limit, calendar, zone)
        handle_at, handle_complete = handle.at, handle.calendar_complete
    # A sign-for limit never outlasts the handling limit (a 2-hour emergency cannot wait a day to be signed); a
    # handling due already past caps nothing, or the new lead would be late before it saw the case.
    cap = handle_at if inherited_handle_due is None or handle_at > dispatched_at else None
    return DispatchDeadlines(
        sign_due=min(sign.at, cap) if cap is not None else sign.at, handle_due=handle_at,
        return_until=min(ret.at, cap) if cap is not None else ret.at,
        calendar_complete=sign.calendar_complete and handle_complete and ret.calendar_complete,
        handling_limit=limit, handling_clause=clause, sign_limit=profile.sign_for,
        return_limit=profile.return_window,
        bases={"sign_due": Basis(dispatched_at, profile.sign_for),
               "return_until": Basis(dispatched_at, profile.return_window),
               **({} if inherited_handle_due is not None else {"handle_due": Basis(dispatched_at, limit)})},
        complete={"sign_due": sign.calendar_complete, "return_until": ret.calendar_complete,
                  "handle_due": handle_complete},
    )
