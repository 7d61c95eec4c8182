"""The case spine's search queries: who sees which cases (`Scope`), the filters of a list, the page and the count."""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Exists,
    and_,
    exists,
    false,
    func,
    or_,
    select,
    text,
    tuple_,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.cases import search as full_text
from app.cases.repository import OPEN_STATUSES
from app.core.auth import Principal
from app.core.db import ESTIMATE_ABOVE, capped_count, dialect_of
from app.core.roles import Role
from app.models import Assignment, Case


@dataclass(frozen=True)
class Scope:
    """Which cases a caller may see: resident → own; unit staff → their unit's; centre → its district."""

    role: Role
    user_id: int | None  # None only for the system acting on its own, which sees no resident's cases
    unit_id: int | None
    district: str | None

    @classmethod
    def of(cls, principal: Principal) -> "Scope":
        return cls(role=principal.role, user_id=principal.user_id, unit_id=principal.unit_id,
                   district=principal.district_scope)


def _unit_has_case(unit_id: int) -> Exists:
    return exists().where(col(Assignment.case_id) == col(Case.id), col(Assignment.unit_id) == unit_id,
                          col(Assignment.active).is_(True))


# How many of a unit's assignments a plan reads at most to count them (an index-only range).
HELD_COUNT_CAP = 20_000


async def _unit_clause(session: AsyncSession, unit_id: int, page: int) -> ColumnElement[bool]:
    """A unit's cases, in the form its database reads fastest for a page of `page` rows. PostgreSQL plans EXISTS as
    a semi-join from its statistics. SQLite does not: EXISTS walks the page's order over every case and tests each,
    which finds a page at once for a unit holding many but scans the whole table for one holding few (17 ms at
    11,579 cases for a unit holding one, in the simulation); IN reads the unit's cases by id and sorts them, the
    reverse. A page of `page` from `held` of `total` costs about page·total/held rows one way and held the other, so
    IN when held² ≤ page·total: one index-only read chooses."""
    if dialect_of(session) != "sqlite":
        return _unit_has_case(unit_id)
    held_ids = select(col(Assignment.case_id)).where(col(Assignment.unit_id) == unit_id,
                                                     col(Assignment.active).is_(True))
    held, total = (await session.execute(select(
        select(func.count()).select_from(held_ids.limit(HELD_COUNT_CAP).subquery()).scalar_subquery(),
        select(func.max(col(Case.id))).scalar_subquery()))).one()
    if held * held <= page * (total or 0):
        return col(Case.id).in_(held_ids)
    return _unit_has_case(unit_id)


async def _planned_clauses(session: AsyncSession, scope: Scope, f: "CaseFilter", now: datetime,
                           page: int) -> list[ColumnElement[bool]]:
    """The scope's clause and the filter's, a unit's in the form its database reads fastest (`_unit_clause`)."""
    clauses: list[ColumnElement[bool]] = []
    if scope.role == Role.unit_staff and scope.unit_id:
        clauses.append(await _unit_clause(session, scope.unit_id, page))
    elif (clause := scope_clause(scope)) is not None:
        clauses.append(clause)
    if f.unit_id is not None and f.unit_id != (scope.unit_id if scope.role == Role.unit_staff else None):
        clauses.append(await _unit_clause(session, f.unit_id, page))
    return clauses + _filters(f, now, dialect_of(session))


def scope_clause(scope: Scope) -> ColumnElement[bool] | None:
    if scope.role == Role.admin:
        return None
    if scope.role == Role.resident:
        return col(Case.requester_user_id) == scope.user_id
    if scope.role == Role.unit_staff:
        return _unit_has_case(scope.unit_id) if scope.unit_id else false()
    if scope.role in (Role.agent, Role.dispatcher):
        return col(Case.district_code) == scope.district if scope.district else None
    return false()


@dataclass(frozen=True)
class CaseFilter:
    status: tuple[str, ...] = ()
    kind: str | None = None
    category: str | None = None
    unit_id: int | None = None
    overdue: bool | None = None
    due_before: datetime | None = None
    created_from: datetime | None = None
    created_to: datetime | None = None
    number: str | None = None
    words: str | None = None  # full text over description, address and reply
    urgency: tuple[str, ...] = ()
    region_prefix: str | None = None  # the place and everything under it
    chased: bool | None = None
    supervised: bool | None = None
    updated_from: datetime | None = None
    updated_to: datetime | None = None
    phone_hash: str | None = None  # the caller's number through the keyed hash, never in clear


def _filters(f: CaseFilter, now: datetime, dialect: str = "sqlite") -> list[ColumnElement[bool]]:
    clauses: list[ColumnElement[bool]] = []
    status, category, handle_due, created_at = (col(Case.status), col(Case.category_code), col(Case.handle_due),
                                                col(Case.created_at))
    if f.status:
        clauses.append(status.in_(f.status))
    if f.kind:
        clauses.append(col(Case.kind) == f.kind)
    if f.category:
        clauses.append(or_(category == f.category, category.startswith(f.category + ".")))
    if f.overdue is not None:
        late = and_(status.in_(OPEN_STATUSES), handle_due.is_not(None), handle_due < now)
        clauses.append(late if f.overdue else ~late)
    if f.due_before:
        clauses.append(handle_due < f.due_before)
    if f.created_from:
        clauses.append(created_at >= f.created_from)
    if f.created_to:
        clauses.append(created_at < f.created_to)
    if f.number:
        clauses.append(col(Case.number) == f.number)
    if f.urgency:
        clauses.append(col(Case.urgency).in_(f.urgency))
    if f.region_prefix:
        region = col(Case.region_code)
        clauses.append(and_(region >= f.region_prefix, region < f.region_prefix + "~"))  # a prefix, as a range
    for flag, column in ((f.chased, col(Case.chased_at)), (f.supervised, col(Case.supervised_at))):
        if flag is not None:
            clauses.append(column.is_not(None) if flag else column.is_(None))
    if f.updated_from:
        clauses.append(col(Case.updated_at) >= f.updated_from)
    if f.updated_to:
        clauses.append(col(Case.updated_at) < f.updated_to)
    if f.phone_hash:
        clauses.append(col(Case.caller_phone_hash) == f.phone_hash)
    if f.words:
        found = full_text.matches(dialect, f.words)
        if found is not None:
            clauses.append(found)
    return clauses


async def search(session: AsyncSession, scope: Scope, f: CaseFilter, *, now: datetime, sort: str,
                 cursor: list[Any] | None, limit: int) -> tuple[list[Case], list[Any] | None]:
    """Keyset pages. `due`: open emergencies (critical) first, oldest first; then by handle_due and id, undated
    cases after dated ones. `created`: newest first."""
    base = select(Case)
    for c in await _planned_clauses(session, scope, f, now, limit + 1):
        base = base.where(c)
    dialect = dialect_of(session)
    # Words on PostgreSQL: the due-ordered page is first sought within a window of the due order.
    windowed = dialect == "postgresql" and f.words is not None and full_text.matches(dialect, f.words) is not None
    case_id, handle_due = col(Case.id), col(Case.handle_due)
    if sort == "updated":
        updated = col(Case.updated_at)
        stmt = base
        if cursor:
            stmt = stmt.where(tuple_(updated, case_id) < tuple_(datetime.fromisoformat(cursor[1]), int(cursor[2])))
        recent = list((await session.execute(stmt.order_by(updated.desc(), case_id.desc()).limit(limit + 1)))
                      .scalars())
        more = len(recent) > limit
        recent = recent[:limit]
        return recent, (["u", recent[-1].updated_at.isoformat(), recent[-1].id] if more else None)
    if sort == "created":
        stmt = base
        if cursor:
            stmt = stmt.where(case_id < int(cursor[2]))
        newest = list((await session.execute(stmt.order_by(case_id.desc()).limit(limit + 1))).scalars())
        more = len(newest) > limit
        newest = newest[:limit]
        return newest, (["c", None, newest[-1].id] if more else None)
    phase = cursor[0] if cursor else "e"
    rows: list[Case] = []
    emergency = and_(col(Case.urgency) == "critical", col(Case.status).in_(OPEN_STATUSES))
    if phase == "e":
        stmt = base.where(emergency)
        if cursor:
            stmt = stmt.where(case_id > int(cursor[2]))
        rows = list((await session.execute(stmt.order_by(case_id).limit(limit + 1))).scalars())
        if len(rows) > limit:
            return rows[:limit], ["e", None, rows[limit - 1].id]
        phase, cursor = "d", None
        limit -= len(rows)
        if limit == 0:
            return rows, ["d", None, None]
    top, rows = rows, []
    if phase == "d":
        stmt = base.where(handle_due.is_not(None), ~emergency)
        if cursor and cursor[1] is not None:  # ["d", None, None]: the emergencies filled the last page exactly
            due = datetime.fromisoformat(cursor[1])
            # A row comparison, so the database seeks into (handle_due, id) instead of filtering a sort.
            stmt = stmt.where(tuple_(handle_due, case_id) > tuple_(due, int(cursor[2])))
        ordered = stmt.order_by(handle_due, case_id)
        rows = []
        if windowed:  # see app/cases/search.py: the page from a window of the due order, when it holds one
            end = full_text.window_end(await _due_histogram(session),
                                       datetime.fromisoformat(cursor[1]) if cursor and cursor[1] else None)
            if end is not None:
                rows = list((await session.execute(ordered.where(handle_due <= end).limit(limit + 1))).scalars())
        if len(rows) <= limit:
            rows = list((await session.execute(ordered.limit(limit + 1))).scalars())
        if len(rows) > limit:
            last = rows[limit - 1]
            assert last.handle_due is not None, "this phase reads dated cases only"
            return top + rows[:limit], ["d", last.handle_due.isoformat(), last.id]
        cursor = None
    stmt = base.where(handle_due.is_(None), ~emergency)
    if cursor:
        stmt = stmt.where(case_id > int(cursor[2]))
    need = limit - len(rows)
    undated = list((await session.execute(stmt.order_by(case_id).limit(need + 1))).scalars())
    taken = undated[:need]
    rows += taken
    if len(undated) > need:
        return top + rows, ["n", None, taken[-1].id if taken else 0]
    return top + rows, None


# The planner's histogram of cases.handle_due, per database, read again after HISTOGRAM_TTL seconds: it only
# chooses a search's due window (app/cases/search.py), which never changes what a search answers.
HISTOGRAM_TTL = 300.0
_histograms: dict[str, tuple[float, list[datetime]]] = {}


async def _due_histogram(session: AsyncSession) -> list[datetime]:
    key = session.get_bind().engine.url.render_as_string(hide_password=True)
    cached = _histograms.get(key)
    if cached and time.monotonic() - cached[0] < HISTOGRAM_TTL:
        return cached[1]
    bounds = (await session.execute(text(
        "SELECT histogram_bounds::text::timestamptz[] FROM pg_stats WHERE schemaname = current_schema() "
        "AND tablename = 'cases' AND attname = 'handle_due'"))).scalar_one_or_none() or []
    _histograms[key] = (time.monotonic(), list(bounds))
    return list(bounds)


async def count(session: AsyncSession, scope: Scope, f: CaseFilter, *, now: datetime) -> tuple[int, bool]:
    """How many cases the filter selects in the caller's scope: (value, exact). Exact up to ESTIMATE_ABOVE, read
    through a capped subquery so that a broad filter never counts a million rows (a search by words: exact up to
    COUNT_EXACT_WORDS, app/cases/search.py); beyond, PostgreSQL's planner estimate, or on SQLite the cap as a lower
    bound."""
    cap = full_text.COUNT_EXACT_WORDS if f.words else ESTIMATE_ABOVE
    base = select(col(Case.id))
    for c in await _planned_clauses(session, scope, f, now, cap + 1):
        base = base.where(c)
    # Words: each match counted is a case read; a common word's total is the planner's estimate, so marked.
    return await capped_count(session, base, cap=cap)
