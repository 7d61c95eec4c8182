"""Deadlines computed on a calendar that was not complete yet, and their re-planning when it is. Never commits.

A working-day deadline that runs into a year with no State Council notice is
computed on the law's statutory holidays alone (the year's 调休 is unknown):
it is provisional. The case keeps how each provisional deadline was computed
(`Case.provisional`: name -> Basis). When the year's schedule arrives (an
administrator loads it, or a newer calendar package covers it), `replan`
computes each one again from its start under the real calendar:

- a due that moves later is moved, and the units hear of it;
- a due that would move earlier keeps its announced date: no unit becomes
  overdue by surprise and no resident is promised less time than they were
  told. The timeline records both dates and why.

Either way the case gets a `replan` event, and the deadline stops being
provisional once its calendar is complete.
"""

from datetime import datetime
from typing import Any

from app.calendar.deadlines import Basis, Due
from app.calendar.service import current_calendar
from app.cases import repository
from app.core.context import Ctx
from app.core.state import AppState
from app.models import Case

# The deadlines re-planning knows, and the case column each one is.
TRACKED = ("sign_due", "return_until", "handle_due", "callback_due", "chase_due", "supervise_due", "stage_due")
# Capped by the handling due at dispatch (a sign-for limit never outlasts the handling limit).
CAPPED_BY_HANDLING = ("sign_due", "return_until")


def remember(case: Case, name: str, basis: Basis | None, due: Due | None) -> None:
    """Keeps `name`'s basis while its calendar is incomplete, and forgets it once complete (or cleared)."""
    assert name in TRACKED, name
    current = dict(case.provisional or {})
    if basis is None or due is None or due.calendar_complete or basis.limit.unit == "hours":
        current.pop(name, None)
    else:
        current[name] = {**basis.as_json(), "at": due.at.isoformat()}
    case.provisional = current or None


def forget(case: Case, *names: str) -> None:
    current = {k: v for k, v in (case.provisional or {}).items() if k not in names}
    case.provisional = current or None


def set_due(case: Case, name: str, basis: Basis, due: Due) -> datetime:
    """Sets a deadline column and remembers its basis when provisional; answers the instant."""
    setattr(case, name, due.at)
    remember(case, name, basis, due)
    return due.at


def provisional_names(case: Case) -> list[str]:
    return sorted((case.provisional or {}).keys())


def extended(case: Case, granted_days: int, before: datetime, due: Due) -> None:
    """An approved extension moved the handling due: a provisional basis gains the days, and an extension that
    runs into an incomplete year becomes provisional itself (from the due it extended)."""
    entry = (case.provisional or {}).get("handle_due")
    if entry is not None:
        basis = Basis.from_json(entry)
        basis = Basis(basis.start, basis.limit, basis.extra_working_days + granted_days, basis.anchor)
    else:
        from app.calendar.deadlines import Limit

        basis = Basis(before, Limit(granted_days, "working_days"))
    remember(case, "handle_due", basis, due)


async def replan_case(ctx: Ctx, case: Case) -> dict[str, Any] | None:
    """Computes the case's provisional deadlines again under the current calendar and writes the `replan` event
    when any of them differs from what was announced. None when none differs."""
    calendar = await current_calendar(ctx.state, ctx.session)
    changes: list[dict[str, Any]] = []
    remaining: dict[str, Any] = {}
    for name, entry in sorted((case.provisional or {}).items()):
        old_at: datetime | None = getattr(case, name)
        if old_at is None or old_at.isoformat() != entry.get("at"):
            continue  # cleared or set afresh since (a new dispatch, a redo): the entry is stale and goes
        basis = Basis.from_json(entry)
        due = basis.compute(calendar, ctx.zone)
        new_at = due.at
        if name in CAPPED_BY_HANDLING and case.handle_due is not None and case.handle_due > basis.start:
            new_at = min(new_at, case.handle_due)
        if not due.calendar_complete:  # still waiting for its year: kept, as the column now stands
            remaining[name] = {**entry, "at": max(new_at, old_at).isoformat()}
        if new_at == old_at:
            continue
        kept = new_at < old_at  # never earlier than announced
        changes.append({"deadline": name, "before": old_at.isoformat(), "computed": new_at.isoformat(),
                        "after": (old_at if kept else new_at).isoformat(), "kept_announced": kept,
                        "calendar_complete": due.calendar_complete})
        if not kept:
            setattr(case, name, new_at)
            if name == "sign_due":  # the units' own sign-for deadlines were copied from the case's
                for a in case.assignments:
                    if a.active and a.sign_due == old_at:
                        a.sign_due = new_at
    case.provisional = remaining or None
    if not changes:
        return None
    data = {"changes": changes, "notify_units": any(not c["kept_announced"] for c in changes),
            "co_unit_ids": [a.unit_id for a in case.assignments if a.active and a.role == "co"]}
    case.version += 1
    case.updated_at = ctx.now
    reason = ("年度节假日安排已公布，按正式日历重新计算时限 / the year's official schedule is out: deadlines "
              "computed again on the real calendar")
    ctx.event(case, "replan", from_status=case.status, to_status=case.status, reason=reason, data=data)
    return data


async def replan(ctx: Ctx) -> int:
    """Re-plans every open case with a provisional deadline under the current calendar; answers how many cases
    got an event."""
    done = 0
    for case in await repository.provisional_open(ctx.session):
        if await replan_case(ctx, case) is not None:
            done += 1
    return done


_COVERED_SEEN: dict[int, frozenset[int]] = {}  # per state object: the calendar years the last sweep saw


async def replan_sweep(state: AppState) -> dict[str, int]:
    """The worker's pass: when the calendar covers more years than it did (a newer package, a year loaded by
    another process), provisional deadlines are re-planned. Nothing is read while the calendar stands still."""
    async with state.sessionmaker() as session:
        calendar = await current_calendar(state, session)
        if _COVERED_SEEN.get(id(state)) == calendar.covered_years:
            return {}
        done = await replan(Ctx.for_system(state, session, state.clock.now()))
        await session.commit()
    _COVERED_SEEN[id(state)] = calendar.covered_years
    return {"cases_replanned": done}
