"""Every query the case spine makes."""

from collections.abc import Callable
from typing import Any, TypedDict, cast

from sqlalchemy import (
    BindParameter,
    CompoundSelect,
    bindparam,
    literal,
    or_,
    select,
    union_all,
    update,
)
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import Insert as PgInsert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import Insert as SqliteInsert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlalchemy.orm import Mapped
from sqlalchemy.orm.attributes import set_committed_value
from sqlalchemy.sql.dml import ReturningInsert
from sqlmodel import col

from app.cases.lead_choice import CHOICE_EVENT_TYPES
from app.core.db import dialect_of, rowcount, table_of
from app.core.direct import Direct
from app.core.loads import Load
from app.core.staged import stage
from app.models import Assignment, Case, CaseCallback, CaseEvent, CaseLink, CaseNumberCounter, Region

OPEN_STATUSES = ("received", "dispatched", "signed", "in_progress", "return_review")


def _next_number_statement(
        insert: Callable[[type[CaseNumberCounter]], PgInsert | SqliteInsert]) -> ReturningInsert[int]:
    last = col(CaseNumberCounter.last)
    return (insert(CaseNumberCounter)
            .values(district_code=bindparam("district"), day=bindparam("day"), last=1)
            .on_conflict_do_update(index_elements=["district_code", "day"], set_={"last": last + 1})
            .returning(last))


# Built once per dialect: every intake takes a number.
_NEXT_NUMBER = {"postgresql": Direct(_next_number_statement(pg_insert)),
                "sqlite": Direct(_next_number_statement(sqlite_insert))}


async def next_number(session: AsyncSession, district: str, day: str) -> int:
    """Atomically takes the next sequence number for a district and day, in the caller's transaction (its counter
    row stays locked until that commits: SQLite, where writers are serialised anyway)."""
    row = await _NEXT_NUMBER[dialect_of(session)].first(session, {"district": district, "day": day})
    assert row is not None  # an upsert with RETURNING answers its row
    return int(row[0])


def _reserve_statement() -> ReturningInsert[int]:
    last = col(CaseNumberCounter.last)
    return (pg_insert(CaseNumberCounter)
            .values(district_code=bindparam("district"), day=bindparam("day"), last=bindparam("size"))
            .on_conflict_do_update(index_elements=["district_code", "day"], set_={"last": last + bindparam("size")})
            .returning(last))


_RESERVE = _reserve_statement()


async def reserve_numbers(engine: AsyncEngine, district: str, day: str, size: int) -> int:
    """Takes `size` numbers for a district and day in a transaction of its own, committed at once (PostgreSQL):
    the counter row is locked for that statement only, never for a request's transaction. Returns the last."""
    async with engine.begin() as conn:
        return (await conn.execute(_RESERVE, {"district": district, "day": day, "size": size})).scalar_one()


class PlaceCopy(TypedDict):
    region_code: str
    district_code: str


def place_copy(case: Case) -> PlaceCopy:
    """The case's place as assignments and callbacks keep a copy of it (for the figures); `move_place` moves it."""
    return {"region_code": case.region_code, "district_code": case.district_code}


async def move_place(session: AsyncSession, case: Case) -> None:
    """Carries a case's new place to its assignments and callbacks, which keep a copy for the figures."""
    for model in (Assignment, CaseCallback):
        await session.execute(update(model).where(col(model.case_id) == case.id).values(**place_copy(case)))


# Built once and run through `Direct`: a case read runs these on every request, and the ORM's statements (or
# selectinload's, one per relationship) cost more of the read's CPU than the database's answer. Children are set
# as the loaded collections; an object this session holds already is refreshed with its row.
_CASE_BY_ID = Load(Case, col(Case.id) == bindparam("case_id"))
_CASE_BY_ID_LOCKED = Load(Case, col(Case.id) == bindparam("case_id"), for_update=True)
_ASSIGNMENTS_OF = Load(Assignment, col(Assignment.case_id) == bindparam("case_id"), order_by=(col(Assignment.id),))
_EVENTS_OF = Load(CaseEvent, col(CaseEvent.case_id) == bindparam("case_id"), order_by=(col(CaseEvent.id),))


# --- a new case's rows, written through Core: statements built once, no unit of work --------------------------

_CASES = table_of(Case)
_CASE_COLUMNS = tuple(c.key for c in _CASES.columns if c.key != "id")
_INSERT_CASE = Direct(_CASES.insert().returning(_CASES.c.id))


def row_values(case: Case) -> dict[str, Any]:
    """The case's column values as they stand on the object (its id aside)."""
    held = case.__dict__
    return {k: held[k] for k in _CASE_COLUMNS if k in held}


async def insert_case(session: AsyncSession, case: Case) -> int:
    """Stores a new case, as the object holds it, in one INSERT; answers its id. The object stays out of the
    session (`attach` makes it persistent without writing it again)."""
    row = await _INSERT_CASE.first(session, row_values(case))
    assert row is not None
    return int(row[0])


def stage_assignments(session: AsyncSession, case_id: int, rows: list[Assignment]) -> None:
    """A new case's assignments, written at the next flush (`app.core.staged`), their ids set on the objects."""
    for a in rows:
        a.__dict__["case_id"] = case_id  # a new row: nothing to track
        stage(session, a)


async def _load_children(session: AsyncSession, case: Case | None, *, events: bool,
                         tracked: bool = True) -> Case | None:
    if case is not None:
        params = {"case_id": case.id}
        set_committed_value(case, "assignments", await _ASSIGNMENTS_OF.all(session, params, tracked=tracked))
        if events:
            set_committed_value(case, "events", await _EVENTS_OF.all(session, params, tracked=tracked))
    return case


async def get(session: AsyncSession, case_id: int, *, with_children: bool = True,
              tracked: bool = True) -> Case | None:
    """The case with its assignments, and its timeline unless `with_children` is False. `tracked=False`: objects
    of no session, for a request that only reads them (`app.core.loads`)."""
    case = await _CASE_BY_ID.first(session, {"case_id": case_id}, tracked=tracked)
    return await _load_children(session, case, events=with_children, tracked=tracked)


async def locked(session: AsyncSession, case_id: int) -> Case | None:
    """The case row locked for this transaction (PostgreSQL; SQLite's writes are serialised already)."""
    case = await _CASE_BY_ID_LOCKED.first(session, {"case_id": case_id})
    return await _load_children(session, case, events=False)


async def by_number(session: AsyncSession, number: str) -> Case | None:
    case = (await session.execute(select(Case).where(col(Case.number) == number))).scalar_one_or_none()
    return await _load_children(session, case, events=True)


async def claim_version(session: AsyncSession, case_id: int, expected: int) -> bool:
    """Bumps the version only if nobody else did: the row lock that serialises transitions."""
    result = await session.execute(
        update(Case).where(col(Case.id) == case_id, col(Case.version) == expected).values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    return rowcount(result) == 1


def add_event(session: AsyncSession, event: CaseEvent) -> None:
    session.add(event)


async def uncount_callbacks(session: AsyncSession, case_id: int, round_: int) -> None:
    await session.execute(
        update(CaseCallback).where(col(CaseCallback.case_id) == case_id, col(CaseCallback.round) == round_,
                                   col(CaseCallback.counted).is_(True)).values(counted=False)
        .execution_options(synchronize_session=False))


async def repoint_duplicates(session: AsyncSession, old_master: int, new_master: int) -> int:
    result = await session.execute(
        update(Case).where(col(Case.merged_into_id) == old_master).values(merged_into_id=new_master)
        .execution_options(synchronize_session=False))
    return rowcount(result)


async def merged_into(session: AsyncSession, master_id: int) -> list[Case]:
    """The duplicates merged into a case (their requesters are called back on its reply)."""
    rows = await session.execute(select(Case).where(col(Case.merged_into_id) == master_id).order_by(col(Case.id)))
    return list(rows.scalars())


async def callbacks_of(session: AsyncSession, case_id: int) -> list[CaseCallback]:
    rows = await session.execute(select(CaseCallback).where(col(CaseCallback.case_id) == case_id)
                                 .order_by(col(CaseCallback.id)))
    return list(rows.scalars())


async def link_between(session: AsyncSession, low: int, high: int) -> CaseLink | None:
    return (await session.execute(select(CaseLink).where(col(CaseLink.case_id) == low,
                                                         col(CaseLink.related_id) == high))).scalar_one_or_none()


def _neighbours_statement() -> CompoundSelect[str, int, str]:
    case_id: BindParameter[int] = bindparam("case_id")
    # A primary key is never NULL in a row read back (the model types it `int | None` for the row not yet flushed).
    pk = cast(Mapped[int], col(Case.id))
    link_case, link_related = col(CaseLink.case_id), col(CaseLink.related_id)
    other = sql_case((link_case == case_id, link_related), else_=link_case)
    merged = select(literal("merged").label("why"), pk, col(Case.number)).where(col(Case.merged_into_id) == case_id)
    linked = (select(literal("linked").label("why"), pk, col(Case.number)).join(CaseLink, pk == other)
              .where(or_(link_case == case_id, link_related == case_id)))
    return union_all(merged, linked).order_by("id")


_NEIGHBOURS = Direct(_neighbours_statement())


async def neighbours(session: AsyncSession, case_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The duplicates merged into a case and the cases linked to it, (id, number) each, in one round trip."""
    rows = await _NEIGHBOURS.rows(session, {"case_id": case_id})
    return ([(i, n) for why, i, n in rows if why == "merged"], [(i, n) for why, i, n in rows if why == "linked"])


async def region_name(session: AsyncSession, code: str) -> str | None:
    return (await session.execute(select(col(Region.name)).where(col(Region.code) == code))).scalar_one_or_none()


async def open_held_by(session: AsyncSession, unit_ids: list[int]) -> list[Case]:
    """Open cases on which any of the units holds an active assignment, with their assignments, in id order."""
    if not unit_ids:
        return []
    held = select(col(Assignment.case_id)).where(col(Assignment.active).is_(True),
                                                 col(Assignment.unit_id).in_(unit_ids))
    rows = (await session.execute(select(Case).where(col(Case.id).in_(held), col(Case.status).in_(OPEN_STATUSES))
                                  .order_by(col(Case.id)))).scalars().all()
    for case in rows:
        await _load_children(session, case, events=False)
    return list(rows)


async def choice_events(session: AsyncSession, case_id: int) -> list[tuple[str, dict[str, Any]]]:
    """The case's events that may name its lead or a co-handler (type, data), in order: what `lead_choice` reads."""
    rows = (await session.execute(select(col(CaseEvent.type), col(CaseEvent.data)).where(
        col(CaseEvent.case_id) == case_id, col(CaseEvent.type).in_(CHOICE_EVENT_TYPES))
        .order_by(col(CaseEvent.id)))).all()
    return [(t, d or {}) for t, d in rows]


async def provisional_open(session: AsyncSession) -> list[Case]:
    """Open (or replied, awaiting the callback) cases with a deadline computed on an incomplete calendar, with
    their assignments."""
    rows = (await session.execute(select(Case).where(col(Case.provisional).is_not(None),
                                                     col(Case.status).in_((*OPEN_STATUSES, "replied")))
                                  .order_by(col(Case.id)))).scalars().all()
    for case in rows:
        await _load_children(session, case, events=False)
    return list(rows)
