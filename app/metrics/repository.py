"""Every query behind the performance figures.

Two halves. The write side runs inside the transaction's commit hook (or through `run_sync`), on a plain Session:
the raw rows the figures read, the stored contributions, and the rollup upserts. The read side is async and reads
only the rollups (and the units and regions that name their keys).
"""

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import bindparam, case, delete, func, insert, select, text, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session

from app.core.direct import Direct
from app.metrics import facts as f
from app.models import (
    Assignment,
    Case,
    CaseCallback,
    CaseEvent,
    MetricCaseFacts,
    MetricRegionDay,
    MetricUnitDay,
    Region,
    Unit,
)

Counts = dict[str, int]
UnitRows = dict[tuple[int, date], Counts]
StreetRows = dict[tuple[str, date], Counts]

# ================================================================ write side (sync Session)


def lock_cases(session: Session, case_ids: Sequence[int]) -> None:
    """PostgreSQL: the cases' rows locked for this transaction, in id order (SQLite serialises writers already)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(select(Case.id).where(Case.id.in_(case_ids)).order_by(Case.id).with_for_update())


def load_rows(session: Session, case_ids: Sequence[int] = (), *,
              id_range: tuple[int, int] | None = None) -> dict[int, f.CaseRows]:
    """Every row the figures read for these cases (or every case with an id in `id_range`, both ends included), in
    the shape `facts.contribution` takes."""
    if id_range is not None:
        low, high = id_range

        def of(column: Any) -> Any:
            return column.between(low, high)
    elif case_ids:
        def of(column: Any) -> Any:
            return column.in_(case_ids)
    else:
        return {}
    cases = session.execute(select(
        Case.id, Case.created_at, Case.region_code, Case.lead_unit_id, Case.status, Case.close_reason,
        Case.direct_answer, Case.handle_due, Case.replied_at, Case.extension_days_granted,
    ).where(of(Case.id))).all()
    leads: dict[int, list[f.LeadRow]] = {}
    for cid, aid, unit, dispatched, sign_due, signed, finished in session.execute(select(
            Assignment.case_id, Assignment.id, Assignment.unit_id, Assignment.dispatched_at, Assignment.sign_due,
            Assignment.signed_at, Assignment.finished_at,
    ).where(of(Assignment.case_id), Assignment.role == "lead").order_by(Assignment.id)):
        leads.setdefault(cid, []).append(f.LeadRow(aid, unit, dispatched, sign_due, signed, finished))
    callbacks: dict[int, list[f.CallbackRow]] = {}
    for cid, at, unit, solved, satisfaction, outcome in session.execute(select(
            CaseCallback.case_id, CaseCallback.at, CaseCallback.unit_id, CaseCallback.solved,
            CaseCallback.satisfaction, CaseCallback.outcome,
    ).where(of(CaseCallback.case_id), CaseCallback.counted.is_(True)).order_by(CaseCallback.id)):
        callbacks.setdefault(cid, []).append(f.CallbackRow(at, unit, solved, satisfaction, outcome))
    events: dict[int, list[f.EventRow]] = {}
    for cid, type_, at, unit in session.execute(select(
            CaseEvent.case_id, CaseEvent.type, CaseEvent.at, CaseEvent.actor_unit_id,
    ).where(of(CaseEvent.case_id), CaseEvent.type.in_(f.EVENT_TYPES)).order_by(CaseEvent.id)):
        events.setdefault(cid, []).append(f.EventRow(type_, at, unit))
    out = {}
    for row in cases:
        c = f.CaseRow(id=row[0], created_at=row[1], region_code=row[2], lead_unit_id=row[3], status=row[4],
                      close_reason=row[5], direct_answer=bool(row[6]), handle_due=row[7], replied_at=row[8],
                      extension_days_granted=int(row[9] or 0))
        out[c.id] = f.CaseRows(c, tuple(leads.get(c.id, ())), tuple(callbacks.get(c.id, ())),
                               tuple(events.get(c.id, ())))
    return out


def case_id_batches(session: Session, size: int) -> Iterator[list[int]]:
    after = 0
    while True:
        ids = list(session.execute(select(Case.id).where(Case.id > after).order_by(Case.id).limit(size)).scalars())
        if not ids:
            return
        yield ids
        after = ids[-1]


def stored_facts(session: Session, case_ids: Sequence[int]) -> dict[int, list[Any]]:
    """What these cases added to the rollups so far (locked on PostgreSQL until the transaction ends)."""
    stmt = select(MetricCaseFacts.case_id, MetricCaseFacts.facts).where(MetricCaseFacts.case_id.in_(case_ids))
    if session.get_bind().dialect.name == "postgresql":
        stmt = stmt.with_for_update()
    return {cid: facts for cid, facts in session.execute(stmt).all()}


FACTS: Any = MetricCaseFacts.__table__
# Handed to the driver (app.core.direct): every intake and every action writes its case's facts and rollups.
_INSERT_FACTS = Direct(insert(FACTS))
_UPDATE_FACTS = Direct(update(FACTS).where(FACTS.c.case_id == bindparam("b_case_id"))
                       .values(facts=bindparam("b_facts"), computed_at=bindparam("b_computed_at")))


def write_facts(session: Session, inserts: list[dict[str, Any]], updates: list[dict[str, Any]]) -> None:
    _INSERT_FACTS.many_now(session, inserts)
    _UPDATE_FACTS.many_now(session, [{f"b_{k}": v for k, v in row.items()} for row in updates])


def _full(counts: Counts) -> Counts:
    return {name: int(counts.get(name, 0)) for name in f.COUNTERS}


_UPSERTS: dict[tuple[str, str], Direct] = {}


def _upsert(dialect: str, table: Any, keys: list[str]) -> Direct:
    """INSERT … ON CONFLICT (key) DO UPDATE SET counter = counter + excluded.counter, built once per table."""
    cached = _UPSERTS.get((dialect, table.name))
    if cached is None:
        stmt = (pg_insert if dialect == "postgresql" else sqlite_insert)(table)
        cached = Direct(stmt.on_conflict_do_update(
            index_elements=keys, set_={name: table.c[name] + stmt.excluded[name] for name in f.COUNTERS}))
        _UPSERTS[(dialect, table.name)] = cached
    return cached


def add_to_rollups(session: Session, units: UnitRows, streets: StreetRows) -> None:
    """Adds differences to the rollup rows: unit rows then street rows, each in key order, in every transaction
    alike, so that concurrent commits never wait for each other in a cycle."""
    dialect = session.get_bind().dialect.name
    _upsert(dialect, MetricUnitDay.__table__, ["unit_id", "day"]).many_now(
        session, [{"unit_id": u, "day": d, **_full(c)} for (u, d), c in sorted(units.items())])
    _upsert(dialect, MetricRegionDay.__table__, ["street_code", "day"]).many_now(
        session, [{"street_code": s, "day": d, "district_code": s[:6], **_full(c)}
                  for (s, d), c in sorted(streets.items())])


def clear_all(session: Session) -> None:
    """Empties the stored contributions and the rollups (a rebuild); PostgreSQL locks them for the transaction."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(text("LOCK TABLE metric_case_facts, metric_unit_days, metric_region_days IN EXCLUSIVE MODE"))
    for model in (MetricCaseFacts, MetricUnitDay, MetricRegionDay):
        session.execute(delete(model))


def insert_rollups(session: Session, units: UnitRows, streets: StreetRows, batch: int = 5000) -> None:
    """Rollup rows into empty tables (a rebuild, or the benchmark's synthetic rows)."""
    for chunk in _chunks(sorted(units.items()), batch):
        session.execute(insert(MetricUnitDay.__table__), [{"unit_id": u, "day": d, **_full(c)} for (u, d), c in chunk])
    for chunk in _chunks(sorted(streets.items()), batch):
        session.execute(insert(MetricRegionDay.__table__), [
            {"street_code": s, "day": d, "district_code": s[:6], **_full(c)} for (s, d), c in chunk])


def _chunks(items: Sequence[Any], size: int) -> Iterable[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i:i + size]


def stored_rollups(session: Session) -> tuple[UnitRows, StreetRows]:
    """Every rollup row, as stored."""
    unit_cols = [MetricUnitDay.__table__.c[name] for name in f.COUNTERS]
    units = {(r[0], r[1]): dict(zip(f.COUNTERS, r[2:], strict=True)) for r in session.execute(
        select(MetricUnitDay.unit_id, MetricUnitDay.day, *unit_cols))}
    street_cols = [MetricRegionDay.__table__.c[name] for name in f.COUNTERS]
    streets = {(r[0], r[1]): dict(zip(f.COUNTERS, r[2:], strict=True)) for r in session.execute(
        select(MetricRegionDay.street_code, MetricRegionDay.day, *street_cols))}
    return units, streets


def count_facts(session: Session) -> int:
    return int(session.execute(select(func.count()).select_from(MetricCaseFacts)).scalar_one())


def newest_change(session: Session) -> datetime | None:
    return session.execute(select(func.max(MetricCaseFacts.computed_at))).scalar_one()


# ================================================================ read side (async): the rollups only
#
# The statements are built once per shape (a dashboard asks the same few questions all day): building a select of
# nineteen conditional sums cost more Python time than the database took to answer it.


@dataclass(frozen=True)
class Scope:
    """Whose figures: one unit, or a region given by the significant digits of its code ("": everywhere)."""

    unit_id: int | None = None
    region_prefix: str = ""


UNITS: Any = MetricUnitDay.__table__
STREETS: Any = MetricRegionDay.__table__
_FIRST, _LAST, _TODAY, _KEY = bindparam("first"), bindparam("last"), bindparam("today"), bindparam("key")


def _sums(table: Any, *, by_today: bool) -> list[Any]:
    """Each counter summed; with `by_today`, deadline counters only over days already over (a deadline not yet
    passed counts in neither part of a rate)."""
    out = []
    for name in f.COUNTERS:
        column = table.c[name]
        if by_today and name in f.DEADLINE_COUNTERS:
            out.append(func.coalesce(func.sum(case((table.c.day < _TODAY, column), else_=0)), 0))
        else:
            out.append(func.coalesce(func.sum(column), 0))
    return out


def _where(shape: str) -> tuple[Any, list[Any]]:
    """The table and conditions of a scope's shape: unit, street, district, prefix (a city, a province), all."""
    if shape == "unit":
        return UNITS, [UNITS.c.unit_id == _KEY]
    if shape == "street":
        return STREETS, [STREETS.c.street_code == _KEY]
    if shape == "district":
        return STREETS, [STREETS.c.district_code == _KEY]
    if shape == "prefix":
        return STREETS, [STREETS.c.street_code.startswith(_KEY)]
    return STREETS, []


def _shape(scope: Scope) -> tuple[str, Any]:
    if scope.unit_id is not None:
        return "unit", scope.unit_id
    prefix = scope.region_prefix
    if not prefix:
        return "all", None
    if len(prefix) >= 9:
        return "street", prefix[:9]
    if len(prefix) == 6:
        return "district", prefix
    return "prefix", prefix


SHAPES = ("unit", "street", "district", "prefix", "all")


def _total_statement(shape: str) -> Any:
    table, where = _where(shape)
    return select(*_sums(table, by_today=True)).where(*where, table.c.day >= _FIRST, table.c.day <= _LAST)


def _by_day_statement(shape: str) -> Any:
    table, where = _where(shape)
    return (select(table.c.day, *_sums(table, by_today=False))
            .where(*where, table.c.day >= _FIRST, table.c.day <= _LAST).group_by(table.c.day).order_by(table.c.day))


_TOTAL = {shape: _total_statement(shape) for shape in SHAPES}
_BY_DAY = {shape: _by_day_statement(shape) for shape in SHAPES}
_PER_UNIT = (select(UNITS.c.unit_id, *_sums(UNITS, by_today=True))
             .where(UNITS.c.day >= _FIRST, UNITS.c.day <= _LAST).group_by(UNITS.c.unit_id))
_PER_UNIT_IN = _PER_UNIT.where(UNITS.c.unit_id.in_(select(Unit.id).where(Unit.region_code.startswith(_KEY))))
_PER_STREET = {shape: (select(STREETS.c.street_code, *_sums(STREETS, by_today=True))
                       .where(*_where(shape)[1], STREETS.c.day >= _FIRST, STREETS.c.day <= _LAST)
                       .group_by(STREETS.c.street_code))
               for shape in ("street", "district", "prefix", "all")}


def _counts(values: Iterable[Any]) -> Counts:
    return dict(zip(f.COUNTERS, (int(v or 0) for v in values), strict=True))


async def total(session: AsyncSession, scope: Scope, first: date, last: date, today: date) -> Counts:
    """The scope's counters over whole days, in one row."""
    if first > last:
        return dict.fromkeys(f.COUNTERS, 0)
    shape, key = _shape(scope)
    row = (await session.execute(_TOTAL[shape], {"key": key, "first": first, "last": last, "today": today})).one()
    return _counts(row)


async def by_day(session: AsyncSession, scope: Scope, first: date, last: date) -> list[tuple[date, Counts]]:
    """The scope's counters per local day, unfiltered by the clock (the caller applies `rates.add_day`)."""
    if first > last:
        return []
    shape, key = _shape(scope)
    rows = (await session.execute(_BY_DAY[shape], {"key": key, "first": first, "last": last})).all()
    return [(row[0], _counts(row[1:])) for row in rows]


async def per_unit(session: AsyncSession, region_prefix: str, first: date, last: date,
                   today: date) -> dict[int, Counts]:
    """Every unit's counters over the days, for the units whose own region lies in the region."""
    if first > last:
        return {}
    stmt = _PER_UNIT_IN if region_prefix else _PER_UNIT
    params = {"key": region_prefix, "first": first, "last": last, "today": today}
    return {row[0]: _counts(row[1:]) for row in (await session.execute(stmt, params)).all()}


async def per_street(session: AsyncSession, region_prefix: str, first: date, last: date,
                     today: date) -> dict[str, Counts]:
    """Every street's counters over the days, within the region."""
    if first > last:
        return {}
    shape, key = _shape(Scope(region_prefix=region_prefix))
    params = {"key": key, "first": first, "last": last, "today": today}
    return {row[0]: _counts(row[1:]) for row in (await session.execute(_PER_STREET[shape], params)).all()}


async def units_in(session: AsyncSession, region_prefix: str, *, active_only: bool = True) -> list[Unit]:
    """The units whose own region lies in the region (all of them for ""), by code."""
    stmt = select(Unit).order_by(Unit.code)
    if region_prefix:
        stmt = stmt.where(Unit.region_code.startswith(region_prefix))
    if active_only:
        stmt = stmt.where(Unit.active.is_(True))
    return list((await session.execute(stmt)).scalars())


async def streets_in(session: AsyncSession, region_prefix: str) -> dict[str, Region]:
    """The subdistricts in the region, by their 9-digit prefix."""
    stmt = select(Region).where(Region.level == "subdistrict")
    if region_prefix:
        stmt = stmt.where(Region.code.startswith(region_prefix))
    return {r.code[:9]: r for r in (await session.execute(stmt)).scalars()}
