"""What must hold after every step. Each invariant is a small function with the rule in its docstring; it raises
`Violation` naming itself. Case invariants read one case's rows (`Facts`); the others read the database and the
API as their actors would. tests/simulation/README.md lists them."""

from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.calendar.deadlines import Basis
from app.calendar.service import current_calendar, deployment_profile
from app.cases.dispatching import kind_limit
from app.cases.lifecycle import OPEN
from app.delivery.rules import recipients
from app.models import Assignment, Case, CaseEvent, OutboxEvent
from tests.pii_logs import unmasked_numbers
from tests.simulation.kinds import Timeline
from tests.simulation.replay import Replayed, replay
from tests.simulation.world import Seen, Violation, World

LEAD_STATUS = {"dispatched": {"dispatched"}, "signed": {"signed"}, "in_progress": {"signed"},
               "return_review": {"returned"}, "replied": {"replied"}}


@dataclass
class Facts:
    case: Case
    assignments: list[Assignment]
    events: list[CaseEvent]
    replayed: Replayed
    calendar: Any
    profile: Any
    zone: Any

    def active(self, role: str) -> list[Assignment]:
        return [a for a in self.assignments if a.active and a.role == role]


def _fail(name: str, case: Case, detail: str) -> None:
    raise Violation(name, f"case {case.id} ({case.status}): {detail}")


def one_active_lead(x: Facts) -> None:
    """A case in a unit's hands (dispatched, signed, in progress, returned for review) has exactly one active lead
    assignment, and it is the unit cases.lead_unit_id names; no case ever has two."""
    leads = x.active("lead")
    if len(leads) > 1 or (x.case.status in OPEN - {"received"} and len(leads) != 1):
        _fail("one_active_lead", x.case, f"active leads {[a.unit_id for a in leads]}")
    if leads and leads[0].unit_id != x.case.lead_unit_id:
        _fail("one_active_lead", x.case, f"lead assignment {leads[0].unit_id} but lead_unit_id {x.case.lead_unit_id}")


def assignments_replay_the_timeline(x: Facts) -> None:
    """The active lead and co-handlers are exactly what the timeline's last routing decision, re-dispatches and
    additions say: a unit the router dropped is gone, a unit added stays."""
    lead = {a.unit_id for a in x.active("lead")}
    co = {a.unit_id for a in x.active("co")}
    want_lead = {x.replayed.lead} if x.replayed.lead is not None else set()
    if lead != want_lead or co != x.replayed.co:
        _fail("assignments_replay_the_timeline", x.case,
              f"active lead {lead} co {co}; the timeline says lead {want_lead} co {x.replayed.co}")
    if x.replayed.lead_field is not None and x.case.lead_unit_id != x.replayed.lead_field:
        _fail("assignments_replay_the_timeline", x.case,
              f"lead_unit_id {x.case.lead_unit_id}, timeline {x.replayed.lead_field}")


def status_replays_the_timeline(x: Facts) -> None:
    """Each status change starts where the previous one ended, and the last one is the case's status."""
    if x.replayed.status_breaks:
        _fail("status_replays_the_timeline", x.case, "; ".join(x.replayed.status_breaks[:3]))
    if x.replayed.status != x.case.status:
        _fail("status_replays_the_timeline", x.case, f"timeline ends at {x.replayed.status}")


def statuses_agree(x: Facts) -> None:
    """The case's status and its lead assignment's status agree (dispatched/dispatched, signed or in progress/
    signed, return_review/returned, replied/replied); a finished case leaves no unit with work to sign for."""
    leads = x.active("lead")
    want = LEAD_STATUS.get(x.case.status)
    if want and leads and leads[0].status not in want:
        _fail("statuses_agree", x.case, f"lead assignment is {leads[0].status}")
    if x.case.status == "withdrawn":
        waiting = [a.unit_id for a in x.assignments if a.active and a.status in ("dispatched", "signed")]
        if waiting:
            _fail("statuses_agree", x.case, f"units {waiting} still hold it as work")


def lead_holds_the_place(x: Facts, parents: dict[str, str | None], unit_region: dict[int, str]) -> None:
    """An open case's lead, when the router chose it, has a jurisdiction that contains the case's place. A finished
    or replied case keeps the unit that handled it, wherever that unit serves since (its work is done: a redo goes
    to the unit that serves the place then); an import that moves a unit routes its open cases again, and those
    are checked after the import's step (tests/simulation/actors.py `admin_units` marks them touched)."""
    if x.case.status not in OPEN or not x.replayed.lead_by_router or x.replayed.lead is None:
        return
    jurisdiction, code = unit_region.get(x.replayed.lead), x.case.region_code
    chain = set()
    while code:
        chain.add(code)
        code = parents.get(code)
    if jurisdiction is not None and jurisdiction not in chain:
        _fail("lead_holds_the_place", x.case, f"lead {x.replayed.lead} serves {jurisdiction}, case at "
                                              f"{x.case.region_code}")


def _local_day(x: Facts, at: datetime):
    return at.astimezone(x.zone).date()


def deadlines_on_working_days(x: Facts) -> None:
    """A working-day deadline (the handling due of a working-day limit, chase and supervision dues) never falls
    on a rest day of the current calendar, and no deadline is before the dispatch that started it."""
    c = x.case
    if c.status not in OPEN or c.dispatched_at is None:
        return
    # A kind with its own limit (mediation's month, aid's 25 working days) is held to that, not the profile's.
    limit = kind_limit(c) or x.profile.handling_limit(c.work_order_type, c.urgency, c.handling_class)[0]
    checks = [("chase_due", c.chase_due), ("supervise_due", c.supervise_due)]
    if limit.unit == "working_days" and not _urgency_changed(x):
        checks.append(("handle_due", c.handle_due))
    for name, due in checks:
        if due is not None and not x.calendar.is_working_day(_local_day(x, due)) and name not in (c.provisional
                                                                                                  or {}):
            _fail("deadlines_on_working_days", c, f"{name} {due} is a rest day")
    for name in ("sign_due", "handle_due", "return_until"):
        due = getattr(c, name)
        if due is not None and due < c.dispatched_at and not _inherited(x):
            _fail("deadlines_on_working_days", c, f"{name} {due} before the dispatch at {c.dispatched_at}")


def _urgency_changed(x: Facts) -> bool:
    """A change of urgency, or of handling class to a shorter limit, keeps a due computed on another basis."""
    return any(e.type == "reroute" and ("urgency" in (e.data or {}).get("after", {}) or "handling_class" in
                                        (e.data or {})) for e in x.events)


def _inherited(x: Facts) -> bool:
    return any((e.data or {}).get("deadlines", {}).get("handling_limit", {}).get("clause") == "inherited"
               for e in x.events)


def handling_due_is_fresh(x: Facts) -> None:
    """The handling due equals a fresh computation from its dispatch under the current calendar (the limit, then
    the extensions granted), unless the timeline explains the difference (a re-plan, a change of urgency)."""
    c = x.case
    if c.status not in OPEN or c.dispatched_at is None or c.handle_due is None or c.kind != "hotline":
        return
    explained = {"replan", "urgency_raised"}
    if _urgency_changed(x) or any(e.type in explained for e in x.events):
        return
    limit, _ = x.profile.handling_limit(c.work_order_type, c.urgency, c.handling_class)
    fresh = Basis(c.dispatched_at, limit, c.extension_days_granted).compute(x.calendar, x.zone).at
    if fresh != c.handle_due:
        _fail("handling_due_is_fresh", c, f"handle_due {c.handle_due}, fresh {fresh} ({limit}, class "
                                          f"{c.handling_class}, +{c.extension_days_granted} days)")


def timeline_append_only(x: Facts, w: World) -> None:
    """Events already seen are still there, unchanged and in order; new ones come after them; the version only
    grows, and grows whenever the timeline does."""
    seen = w.seen.setdefault(x.case.id, Seen())
    now = [(e.id, e.type, e.to_status) for e in x.events]
    if now[:len(seen.events)] != seen.events:
        _fail("timeline_append_only", x.case, f"timeline was {seen.events[-3:]}, now {now[-3:]}")
    if x.case.version < seen.version or (len(now) > len(seen.events) and seen.events and
                                         x.case.version == seen.version):
        _fail("timeline_append_only", x.case, f"version {seen.version} -> {x.case.version} with "
                                              f"{len(now) - len(seen.events)} new events")
    seen.events, seen.version = now, x.case.version


async def no_work_on_retired_units(w: World) -> None:
    """No open case has an active assignment on a unit an import retired: the import routed its cases again (or
    was refused). One indexed read (ix_assignments_unit_active) of the retired units' active assignments."""
    if not w.retired:
        return
    async with w.app.state.sessionmaker() as session:
        held = (await session.execute(select(Assignment.case_id, Assignment.unit_id).join(
            Case, Case.id == Assignment.case_id).where(
            Assignment.active.is_(True), Assignment.unit_id.in_(w.retired), Case.status.in_(OPEN)))).all()
    w.stats.count(w.stats.checks, "no_work_on_retired_units")
    if held:
        raise Violation("no_work_on_retired_units", f"(case, retired unit) still at work: {held[:5]}")


CASE_INVARIANTS = (one_active_lead, assignments_replay_the_timeline, status_replays_the_timeline, statuses_agree,
                   deadlines_on_working_days, handling_due_is_fresh)


async def check_cases(w: World, case_ids: set[int] | list[int]
                      ) -> tuple[list[CaseEvent], dict[int, int | None], Timeline]:
    """Runs the case invariants on these cases; answers the events newer than the last check, the lead each event
    left the case with (for the outbox invariant), and the cases with their timelines (for the kinds' invariants).
    One read of the cases, their assignments and their events, by indexed keys (ix_assignments_case,
    ix_case_events_case)."""
    if not case_ids:
        return [], {}, []
    async with w.app.state.sessionmaker() as session:
        cases = (await session.execute(select(Case).where(Case.id.in_(case_ids)).order_by(Case.id))).scalars().all()
        assignments: dict[int, list[Assignment]] = defaultdict(list)
        for a in (await session.execute(select(Assignment).where(Assignment.case_id.in_(case_ids))
                                        .order_by(Assignment.id))).scalars():
            assignments[a.case_id].append(a)
        events: dict[int, list[CaseEvent]] = defaultdict(list)
        for e in (await session.execute(select(CaseEvent).where(CaseEvent.case_id.in_(case_ids))
                                        .order_by(CaseEvent.id))).scalars():
            events[e.case_id].append(e)
        calendar = await current_calendar(w.app.state, session)
        profiles = {code: await deployment_profile(w.app.state, session, code)
                    for code in {c.profile_code for c in cases}}
    zone = ZoneInfo(w.app.state.settings.timezone)
    leads: dict[int, int | None] = {}
    new: list[CaseEvent] = []
    for case in cases:
        mine = events[case.id]
        x = Facts(case, assignments[case.id], mine, replay(mine), calendar, profiles[case.profile_code], zone)
        for invariant in CASE_INVARIANTS:
            invariant(x)
            w.stats.count(w.stats.checks, invariant.__name__)
        lead_holds_the_place(x, w.parents, w.unit_region)
        w.stats.count(w.stats.checks, "lead_holds_the_place")
        timeline_append_only(x, w)
        w.stats.count(w.stats.checks, "timeline_append_only")
        leads.update({e.id: lead for e, lead in zip(mine, x.replayed.leads_at, strict=True)})
        new += [e for e in mine if e.id > w.last_event_id]
    new.sort(key=lambda e: e.id)
    return new, leads, [(case, events[case.id]) for case in cases]


def outbox_wanted(events: list[CaseEvent], leads: dict[int, int | None]) -> Counter:
    """The outbox rows these events call for: (case, type, at, unit), one per unit the delivery rules name."""
    want: Counter = Counter()
    for e in events:
        for unit, _ in recipients(e.type, e.data or {}, leads.get(e.id)):
            want[(e.case_id, e.type, e.at, unit)] += 1
    return want


def outbox_compare(got: Counter, want: Counter) -> None:
    if got != want:
        extra, missing = got - want, want - got
        raise Violation("outbox_one_row_per_unit", f"extra rows {list(extra)[:4]}, missing rows {list(missing)[:4]}")


async def outbox_one_row_per_unit(w: World, events: list[CaseEvent], leads: dict[int, int | None]) -> None:
    """Every timeline event that units must hear of has exactly one outbox row for each unit the delivery rules
    name (the new lead and co-handlers, a lead or co-handler the case left), and no other rows. After each step on
    the new events and the new rows (by id): every row and every event is checked once; the full sweep
    compares them all (tests/simulation/run.py)."""
    async with w.app.state.sessionmaker() as session:
        rows = (await session.execute(select(OutboxEvent.id, OutboxEvent.case_id, OutboxEvent.type,
                                             OutboxEvent.created_at, OutboxEvent.unit_id).where(
            OutboxEvent.id > w.last_outbox_id))).all()
    if rows:
        w.last_outbox_id = max(r.id for r in rows)
    outbox_compare(Counter((r.case_id, r.type, r.created_at, r.unit_id) for r in rows), outbox_wanted(events, leads))
    w.stats.count(w.stats.checks, "outbox_one_row_per_unit")


def logs_carry_no_unmasked_numbers(w: World, scanner: Any) -> None:
    """No log record carries an ID number or a mobile number in clear."""
    if scanner.hits:
        raise Violation("logs_carry_no_unmasked_numbers", str(scanner.hits[:3]))
    w.stats.count(w.stats.checks, "logs_carry_no_unmasked_numbers")


def no_unmasked_numbers_in(name: str, text: str, allowed: set[str]) -> None:
    found = [n for n in unmasked_numbers(text) if n not in allowed]
    if found:
        raise Violation(name, f"an answer carries {found[:3]}")


