"""Every query the case spine makes."""

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, bindparam, exists, false, literal, or_, select, tuple_, union_all, update
from sqlalchemy import case as sql_case
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from app.core.roles import Role
from app.models import Assignment, Case, CaseCallback, CaseEvent, CaseLink, CaseNumberCounter, Region

OPEN_STATUSES = ("received", "dispatched", "signed", "in_progress", "return_review")


def _next_number_statement(insert):
    return (insert(CaseNumberCounter)
            .values(district_code=bindparam("district"), day=bindparam("day"), last=1)
            .on_conflict_do_update(index_elements=["district_code", "day"], set_={"last": CaseNumberCounter.last + 1})
            .returning(CaseNumberCounter.last))


# Built once per dialect: every intake takes a number.
_NEXT_NUMBER = {"postgresql": _next_number_statement(pg_insert), "sqlite": _next_number_statement(sqlite_insert)}


async def next_number(session: AsyncSession, district: str, day: str) -> int:
    """Atomically takes the next sequence number for a district and day."""
    stmt = _NEXT_NUMBER[session.bind.dialect.name]
    return (await session.execute(stmt, {"district": district, "day": day})).scalar_one()


def place_copy(case: Case) -> dict[str, str]:
    """The case's place as assignments and callbacks keep a copy of it (for the figures); `move_place` moves it."""
    return {"region_code": case.region_code, "district_code": case.district_code}


async def move_place(session: AsyncSession, case: Case) -> None:
    """Carries a case's new place to its assignments and callbacks, which keep a copy for the figures."""
    for model in (Assignment, CaseCallback):
        await session.execute(update(model).where(model.case_id == case.id).values(**place_copy(case)))


# Built once: a case read runs these on every request, and building a statement (or letting selectinload build
# one per relationship) cost more of the read's CPU than the database's answer. Children are loaded by plain
# statements and set as the loaded collections; populate_existing refreshes objects this session already holds.
_CASE_BY_ID = select(Case).where(Case.id == bindparam("case_id")).execution_options(populate_existing=True)
_CASE_BY_ID_LOCKED = _CASE_BY_ID.with_for_update(of=Case)
_ASSIGNMENTS_OF = (select(Assignment).where(Assignment.case_id == bindparam("case_id")).order_by(Assignment.id)
                   .execution_options(populate_existing=True))
_EVENTS_OF = (select(CaseEvent).where(CaseEvent.case_id == bindparam("case_id")).order_by(CaseEvent.id)
              .execution_options(populate_existing=True))


async def _load_children(session: AsyncSession, case: Case | None, *, events: bool) -> Case | None:
    if case is not None:
        params = {"case_id": case.id}
        set_committed_value(case, "assignments", list((await session.execute(_ASSIGNMENTS_OF, params)).scalars()))
        if events:
            set_committed_value(case, "events", list((await session.execute(_EVENTS_OF, params)).scalars()))
    return case


async def get(session: AsyncSession, case_id: int, *, with_children: bool = True) -> Case | None:
    """The case with its assignments, and its timeline unless `with_children` is False."""
    case = (await session.execute(_CASE_BY_ID, {"case_id": case_id})).scalar_one_or_none()
    return await _load_children(session, case, events=with_children)


async def locked(session: AsyncSession, case_id: int) -> Case | None:
    """The case row locked for this transaction (PostgreSQL; SQLite's writes are serialised already)."""
    case = (await session.execute(_CASE_BY_ID_LOCKED, {"case_id": case_id})).scalar_one_or_none()
    return await _load_children(session, case, events=False)


async def by_number(session: AsyncSession, number: str) -> Case | None:
    case = (await session.execute(select(Case).where(Case.number == number))).scalar_one_or_none()
    return await _load_children(session, case, events=True)


async def claim_version(session: AsyncSession, case_id: int, expected: int) -> bool:
    """Bumps the version only if nobody else did: the row lock that serialises transitions."""
    result = await session.execute(
        update(Case).where(Case.id == case_id, Case.version == expected).values(version=expected + 1)
        .execution_options(synchronize_session=False)
    )
    return result.rowcount == 1


def add_event(session: AsyncSession, event: CaseEvent) -> None:
    session.add(event)


async def uncount_callbacks(session: AsyncSession, case_id: int, round_: int) -> None:
    await session.execute(
        update(CaseCallback).where(CaseCallback.case_id == case_id, CaseCallback.round == round_,
                                   CaseCallback.counted.is_(True)).values(counted=False)
        .execution_options(synchronize_session=False))


async def repoint_duplicates(session: AsyncSession, old_master: int, new_master: int) -> int:
    result = await session.execute(
        update(Case).where(Case.merged_into_id == old_master).values(merged_into_id=new_master)
        .execution_options(synchronize_session=False))
    return result.rowcount


async def callbacks_of(session: AsyncSession, case_id: int) -> list[CaseCallback]:
    rows = await session.execute(select(CaseCallback).where(CaseCallback.case_id == case_id)
                                 .order_by(CaseCallback.id))
    return list(rows.scalars())


async def link_between(session: AsyncSession, low: int, high: int) -> CaseLink | None:
    return (await session.execute(select(CaseLink).where(CaseLink.case_id == low, CaseLink.related_id == high))
            ).scalar_one_or_none()


def _neighbours_statement():
    case_id = bindparam("case_id")
    other = sql_case((CaseLink.case_id == case_id, CaseLink.related_id), else_=CaseLink.case_id)
    merged = select(literal("merged").label("why"), Case.id, Case.number).where(Case.merged_into_id == case_id)
    linked = (select(literal("linked").label("why"), Case.id, Case.number).join(CaseLink, Case.id == other)
              .where(or_(CaseLink.case_id == case_id, CaseLink.related_id == case_id)))
    return union_all(merged, linked).order_by("id")


_NEIGHBOURS = _neighbours_statement()


async def neighbours(session: AsyncSession, case_id: int) -> tuple[list[tuple[int, str]], list[tuple[int, str]]]:
    """The duplicates merged into a case and the cases linked to it, (id, number) each, in one round trip."""
    rows = (await session.execute(_NEIGHBOURS, {"case_id": case_id})).all()
    return ([(i, n) for why, i, n in rows if why == "merged"], [(i, n) for why, i, n in rows if why == "linked"])


async def region_name(session: AsyncSession, code: str) -> str | None:
    return (await session.execute(select(Region.name).where(Region.code == code))).scalar_one_or_none()


@dataclass(frozen=True)
class Scope:
    """Which cases a caller may see: resident → own; unit staff → their unit's; centre → its district."""

    role: Role
    user_id: int
    unit_id: int | None
    district: str | None

    @classmethod
    def of(cls, principal) -> "Scope":
        return cls(role=principal.role, user_id=principal.user_id, unit_id=principal.unit_id,
                   district=principal.district_scope)


def _unit_has_case(unit_id: int):
    return exists().where(Assignment.case_id == Case.id, Assignment.unit_id == unit_id,
                          Assignment.active.is_(True))


def scope_clause(scope: Scope):
    if scope.role == Role.admin:
        return None
    if scope.role == Role.resident:
        return Case.requester_user_id == scope.user_id
    if scope.role == Role.unit_staff:
        return _unit_has_case(scope.unit_id) if scope.unit_id else false()
    if scope.role in (Role.agent, Role.dispatcher):
        return Case.district_code == scope.district if scope.district else None
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


def _filters(f: CaseFilter, now: datetime) -> list:
    clauses = []
    if f.status:
        clauses.append(Case.status.in_(f.status))
    if f.kind:
        clauses.append(Case.kind == f.kind)
    if f.category:
        clauses.append(or_(Case.category_code == f.category, Case.category_code.startswith(f.category + ".")))
    if f.unit_id is not None:
        clauses.append(_unit_has_case(f.unit_id))
    if f.overdue is not None:
        late = and_(Case.status.in_(OPEN_STATUSES), Case.handle_due.is_not(None), Case.handle_due < now)
        clauses.append(late if f.overdue else ~late)
    if f.due_before:
        clauses.append(Case.handle_due < f.due_before)
    if f.created_from:
        clauses.append(Case.created_at >= f.created_from)
    if f.created_to:
        clauses.append(Case.created_at < f.created_to)
    return clauses


async def search(session: AsyncSession, scope: Scope, f: CaseFilter, *, now: datetime, sort: str,
                 cursor: list | None, limit: int) -> tuple[list[Case], list | None]:
    """Keyset pages. `due`: by handle_due then id, undated cases after dated ones; `created`: newest first."""
    base = select(Case)
    clause = scope_clause(scope)
    if clause is not None:
        base = base.where(clause)
    for c in _filters(f, now):
        base = base.where(c)
    if sort == "created":
        stmt = base
        if cursor:
            stmt = stmt.where(Case.id < int(cursor[2]))
        rows = list((await session.execute(stmt.order_by(Case.id.desc()).limit(limit + 1))).scalars())
        more = len(rows) > limit
        rows = rows[:limit]
        return rows, (["c", None, rows[-1].id] if more else None)
    phase = cursor[0] if cursor else "d"
    rows: list[Case] = []
    if phase == "d":
        stmt = base.where(Case.handle_due.is_not(None))
        if cursor:
            due = datetime.fromisoformat(cursor[1])
            # A row comparison, so the database seeks into (handle_due, id) instead of filtering a sort.
            stmt = stmt.where(tuple_(Case.handle_due, Case.id) > tuple_(due, int(cursor[2])))
        rows = list((await session.execute(stmt.order_by(Case.handle_due, Case.id).limit(limit + 1))).scalars())
        if len(rows) > limit:
            last = rows[limit - 1]
            return rows[:limit], ["d", last.handle_due.isoformat(), last.id]
        cursor = None
    stmt = base.where(Case.handle_due.is_(None))
    if cursor:
        stmt = stmt.where(Case.id > int(cursor[2]))
    need = limit - len(rows)
    undated = list((await session.execute(stmt.order_by(Case.id).limit(need + 1))).scalars())
    taken = undated[:need]
    rows += taken
    if len(undated) > need:
        return rows, ["n", None, taken[-1].id if taken else 0]
    return rows, None


async def provisional_open(session: AsyncSession) -> list[Case]:
    """Open (or replied, awaiting the callback) cases with a deadline computed on an incomplete calendar, with
    their assignments."""
    rows = (await session.execute(select(Case).where(Case.provisional.is_not(None),
                                                     Case.status.in_((*OPEN_STATUSES, "replied")))
                                  .order_by(Case.id))).scalars().all()
    for case in rows:
        await _load_children(session, case, events=False)
    return list(rows)
