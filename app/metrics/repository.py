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


def _place(sl: Slice) -> list:
    if not sl.region_prefix:
        return []
    clauses = [Case.region_code.startswith(sl.region_prefix)]
    if len(sl.region_prefix) >= 6:  # the same condition, in a form the district indexes can seek on
        clauses.append(Case.district_code == sl.region_prefix[:6])
    return clauses


def _counted_case(sl: Slice) -> list:
    return [or_(Case.close_reason.is_(None), Case.close_reason != "merged"), *_place(sl)]


def _in(column, sl: Slice):
    return and_(column >= sl.start, column < sl.end)


def _hits(condition) -> Any:
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


async def _pairs(session: AsyncSession, unit_col, numerator, where: list, join=None, base=Case) -> dict:
    key = unit_col.label("k")
    stmt = select(key, _hits(numerator), func.count()).select_from(base)
    if join is not None:
        stmt = stmt.join(*join)
    stmt = stmt.where(*where).group_by(unit_col)
    return {k: (int(n), int(d)) for k, n, d in (await session.execute(stmt)).all()}


def _unit_key(sl: Slice, column):
    return column if sl.by_unit else literal(None)


async def response(session: AsyncSession, sl: Slice) -> Pairs:
    where = [Assignment.role == "lead", _in(Assignment.dispatched_at, sl), *_counted_case(sl)]
    if sl.unit_id is not None:
        where.append(Assignment.unit_id == sl.unit_id)
    on_time = and_(Assignment.signed_at.is_not(None), Assignment.sign_due.is_not(None),
                   Assignment.signed_at <= Assignment.sign_due)
    return await _pairs(session, _unit_key(sl, Assignment.unit_id), on_time, where,
                        join=(Case, Case.id == Assignment.case_id), base=Assignment)


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
            .select_from(CaseCallback).join(Case, Case.id == CaseCallback.case_id)
            .where(CaseCallback.counted.is_(True), _in(CaseCallback.at, sl), *_counted_case(sl)))
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


async def direct_answers(session: AsyncSession, sl: Slice) -> tuple[int, int]:
    where = [_in(Case.created_at, sl), *_counted_case(sl)]
    pairs = await _pairs(session, literal(None), Case.direct_answer.is_(True), where)
    return pairs.get(None, (0, 0))


def _taken(sl: Slice) -> list:
    where = [_in(Case.created_at, sl), *_counted_case(sl)]
    if sl.unit_id is not None:
        where.append(Case.lead_unit_id == sl.unit_id)
    return where


COUNTED_BY = ("status", "kind", "category_code", "work_order_type")


async def counts(session: AsyncSession, sl: Slice) -> dict[str, dict[str, int]]:
    """Cases taken in the period, counted by each of COUNTED_BY, from one pass over the period's rows."""
    columns = [getattr(Case, name) for name in COUNTED_BY]
    stmt = select(*columns, func.count()).where(*_taken(sl)).group_by(*columns)
    out: dict[str, dict[str, int]] = {name: {} for name in COUNTED_BY}
    for *keys, n in (await session.execute(stmt)).all():
        for name, key in zip(COUNTED_BY, keys, strict=True):
            out[name][str(key)] = out[name].get(str(key), 0) + int(n)
    return out


async def oversight_counts(session: AsyncSession, sl: Slice, now: datetime) -> dict[str, int]:
    """Cases taken in the period: how many are overdue now, replied late, chased, supervised."""
    is_open = Case.status.in_(OPEN_STATUSES)
    stmt = select(
        _hits(and_(is_open, Case.handle_due < now)),
        _hits(and_(Case.replied_at.is_not(None), Case.handle_due.is_not(None), Case.replied_at > Case.handle_due)),
        _hits(Case.chased_at.is_not(None)),
        _hits(Case.supervised_at.is_not(None)),
        _hits(Case.close_reason == "unreached"),
        _hits(Case.redo_count > 0),
        # `major` is JSON, where None may be stored as JSON null; the timeline says it plainly.
        _hits(Case.id.in_(select(CaseEvent.case_id).where(CaseEvent.type == "mark_major"))),
    ).where(*_taken(sl))
    row = (await session.execute(stmt)).one()
    names = ("overdue_open", "replied_late", "chased", "supervised", "closed_unreached", "redone", "major")
    return dict(zip(names, (int(v) for v in row), strict=True))


async def merged_count(session: AsyncSession, sl: Slice) -> int:
    where = [_in(Case.created_at, sl), Case.close_reason == "merged", *_place(sl)]
    if sl.unit_id is not None:
        where.append(Case.lead_unit_id == sl.unit_id)
    return int((await session.execute(select(func.count()).select_from(Case).where(*where))).scalar_one())
