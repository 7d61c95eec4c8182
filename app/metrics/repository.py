"""Every query behind the performance figures: counts and rate numerators/denominators, grouped on request."""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import and_, case, func, literal, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.repository import OPEN_STATUSES
from app.models import Assignment, Case, CaseCallback, CaseEvent

Pairs = dict[Any, tuple[int, int]]  # group key (a unit id, or None overall) -> (numerator, denominator)


@dataclass(frozen=True)
class Slice:
    start: datetime
    end: datetime
    region_prefix: str | None = None  # region code without its trailing zero levels
    unit_id: int | None = None  # the lead unit
    by_unit: bool = False  # group rates by unit (rankings)


def _place(sl: Slice, model=Case) -> list:
    """The slice's place on cases, or on the copy of the case's place that assignments and callbacks keep."""
    if not sl.region_prefix:
        return []
    if len(sl.region_prefix) == 6:
        # A whole district: its code alone, so the district indexes answer from their included columns without
        # reading the table for a region code that could only repeat the condition.
        return [model.district_code == sl.region_prefix]
    clauses = [model.region_code.startswith(sl.region_prefix)]
    if len(sl.region_prefix) > 6:  # the district as well, in a form the district indexes can seek on
        clauses.append(model.district_code == sl.region_prefix[:6])
    return clauses


def _counted_case(sl: Slice) -> list:
    return [or_(Case.close_reason.is_(None), Case.close_reason != "merged"), *_place(sl)]


def _not_merged(case_id) -> Any:
    """Leaves out merged duplicates without a join: they are few, and ix_cases_merged lists them."""
    return case_id.not_in(select(Case.id).where(Case.close_reason == "merged"))


def _in(column, sl: Slice):
    return and_(column >= sl.start, column < sl.end)


def _hits(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _pairs(session: AsyncSession, unit_col, numerator, where: list, base=Case) -> dict:
    key = unit_col.label("k")
    stmt = select(key, _hits(numerator), func.count()).select_from(base).where(*where).group_by(unit_col)
    return {k: (int(n), int(d)) for k, n, d in (await session.execute(stmt)).all()}


def _unit_key(sl: Slice, column):
    return column if sl.by_unit else literal(None)


async def response(session: AsyncSession, sl: Slice) -> Pairs:
    where = [Assignment.role == "lead", _in(Assignment.dispatched_at, sl), *_place(sl, Assignment),
             _not_merged(Assignment.case_id)]
    if sl.unit_id is not None:
        where.append(Assignment.unit_id == sl.unit_id)
    on_time = and_(Assignment.signed_at.is_not(None), Assignment.sign_due.is_not(None),
                   Assignment.signed_at <= Assignment.sign_due)
    return await _pairs(session, _unit_key(sl, Assignment.unit_id), on_time, where, base=Assignment)


async def returns(session: AsyncSession, sl: Slice) -> dict[Any, int]:
    key = _unit_key(sl, CaseEvent.actor_unit_id).label("k")
    stmt = (select(key, func.count()).select_from(CaseEvent).join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.type == "return", _in(CaseEvent.at, sl), *_counted_case(sl)))
    if sl.unit_id is not None:
        stmt = stmt.where(CaseEvent.actor_unit_id == sl.unit_id)
    return {k: int(n) for k, n in (await session.execute(stmt.group_by(key))).all()}


async def callbacks(session: AsyncSession, sl: Slice) -> dict[Any, dict[str, int]]:
    key = _unit_key(sl, CaseCallback.unit_id).label("k")
    stmt = (select(key, func.count(), _hits(CaseCallback.solved.is_(True)),
                   _hits(CaseCallback.satisfaction == "satisfied"),
                   _hits(CaseCallback.satisfaction == "basically_satisfied"),
                   _hits(CaseCallback.satisfaction == "dissatisfied"))
            .select_from(CaseCallback)
            .where(CaseCallback.counted.is_(True), _in(CaseCallback.at, sl), *_place(sl, CaseCallback),
                   _not_merged(CaseCallback.case_id)))
    if sl.unit_id is not None:
        stmt = stmt.where(CaseCallback.unit_id == sl.unit_id)
    out = {}
    for k, valid, solved, sat, basic, dis in (await session.execute(stmt.group_by(key))).all():
        out[k] = {"valid": int(valid), "solved": int(solved), "satisfied": int(sat),
                  "basically_satisfied": int(basic), "dissatisfied": int(dis)}
    return out


async def on_time(session: AsyncSession, sl: Slice) -> Pairs:
    where = [_in(Case.handle_due, sl), Case.status != "withdrawn", Case.lead_unit_id.is_not(None),
             *_counted_case(sl)]
    if sl.unit_id is not None:
        where.append(Case.lead_unit_id == sl.unit_id)
    replied = and_(Case.replied_at.is_not(None), Case.replied_at <= Case.handle_due)
    return await _pairs(session, _unit_key(sl, Case.lead_unit_id), replied, where)


COUNTED_BY = ("status", "kind", "category_code", "work_order_type")
OVERSIGHT = ("overdue_open", "replied_late", "chased", "supervised", "closed_unreached", "redone", "major")


@dataclass
class Taken:
    """What the cases taken in a period add up to (merged duplicates apart: they count only as merged)."""

    by: dict[str, dict[str, int]]
    merged: int
    direct_answered: int
    oversight: dict[str, int]

    @property
    def total(self) -> int:
        return sum(self.by["status"].values())


async def taken(session: AsyncSession, sl: Slice, now: datetime) -> Taken:
    """Counts, oversight figures, direct answers and merged duplicates in one pass over the period's cases.

    One grouped scan instead of one per figure: at a million cases each pass over a district's month costs tens of
    milliseconds, and the figures share their rows.
    """
    where = [_in(Case.created_at, sl), *_place(sl)]
    if sl.unit_id is not None:
        where.append(Case.lead_unit_id == sl.unit_id)
    merged = func.coalesce(Case.close_reason, "") == "merged"
    is_open = Case.status.in_(OPEN_STATUSES)
    columns = [getattr(Case, name) for name in COUNTED_BY]
    stmt = select(
        *columns, merged.label("merged"), func.count(),
        _hits(Case.direct_answer.is_(True)),
        _hits(and_(is_open, Case.handle_due < now)),
        _hits(and_(Case.replied_at.is_not(None), Case.handle_due.is_not(None), Case.replied_at > Case.handle_due)),
        _hits(Case.chased_at.is_not(None)),
        _hits(Case.supervised_at.is_not(None)),
        _hits(Case.close_reason == "unreached"),
        _hits(Case.redo_count > 0),
        # `major` is JSON, where None may be stored as JSON null; the timeline says it plainly.
        _hits(Case.id.in_(select(CaseEvent.case_id).where(CaseEvent.type == "mark_major"))),
    ).where(*where).group_by(*columns, merged)
    out = Taken(by={name: {} for name in COUNTED_BY}, merged=0, direct_answered=0,
                oversight=dict.fromkeys(OVERSIGHT, 0))
    for row in (await session.execute(stmt)).all():
        keys, is_merged, n, direct, figures = row[:4], row[4], int(row[5]), int(row[6]), row[7:]
        if is_merged:
            out.merged += n
            continue
        for name, key in zip(COUNTED_BY, keys, strict=True):
            out.by[name][str(key)] = out.by[name].get(str(key), 0) + n
        out.direct_answered += direct
        for name, value in zip(OVERSIGHT, figures, strict=True):
            out.oversight[name] += int(value)
    return out
