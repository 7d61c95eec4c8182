"""Every query of the audit trail: the records a filter selects, newest first, and the names that label them."""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement
from sqlmodel import col

from app.core.db import capped_count
from app.models import AuditLog, Case, Person, TimebankAccount, Unit, User, Volunteer


@dataclass(frozen=True)
class AuditFilter:
    person_id: int | None = None  # whose record: the person, their volunteer record, time bank, account, cases
    user_id: int | None = None  # who acted
    unit_id: int | None = None  # the actor's unit at the time (records written since it is recorded)
    actions: tuple[str, ...] = ()  # exact action codes
    prefixes: tuple[str, ...] = ()  # action prefixes ("case.")
    result: str | None = None
    start: datetime | None = None  # inclusive
    end: datetime | None = None  # exclusive


def _ids_as_text(column: Any) -> Any:
    return cast(column, String)


def _person_targets(person_id: int) -> ColumnElement[bool]:
    """Records whose target is the person or something that is theirs, found through indexed columns only:
    the register entry, their volunteer record and time-bank account, the account bound to them and the cases
    that account filed. Cases that only name the person in their payload (an order staff placed for an elder, an
    aid household's members, a mediation's parties) are not followed: that would search JSON."""
    target_type, target_id = col(AuditLog.target_type), col(AuditLog.target_id)
    account = select(col(Person.user_id)).where(col(Person.id) == person_id).scalar_subquery()
    return or_(
        and_(target_type == "person", target_id == str(person_id)),
        and_(target_type == "volunteer", target_id.in_(
            select(_ids_as_text(col(Volunteer.id))).where(col(Volunteer.person_id) == person_id))),
        and_(target_type == "timebank_account", target_id.in_(
            select(_ids_as_text(col(TimebankAccount.id))).where(col(TimebankAccount.person_id) == person_id))),
        and_(target_type == "user", target_id == _ids_as_text(account)),
        and_(target_type == "case", target_id.in_(
            select(_ids_as_text(col(Case.id))).where(col(Case.requester_user_id) == account))),
    )


def _clauses(f: AuditFilter) -> list[ColumnElement[bool]]:
    at, action = col(AuditLog.at), col(AuditLog.action)
    out: list[ColumnElement[bool]] = []
    if f.person_id is not None:
        out.append(_person_targets(f.person_id))
    if f.user_id is not None:
        out.append(col(AuditLog.actor_user_id) == f.user_id)
    if f.unit_id is not None:
        out.append(col(AuditLog.actor_unit_id) == f.unit_id)
    if f.actions or f.prefixes:
        out.append(or_(*([action.in_(f.actions)] if f.actions else []),
                       *(action.startswith(p, autoescape=True) for p in f.prefixes)))
    if f.result is not None:
        out.append(col(AuditLog.result) == f.result)
    if f.start is not None:
        out.append(at >= f.start)
    if f.end is not None:
        out.append(at < f.end)
    return out


async def search(session: AsyncSession, f: AuditFilter, *, cursor: tuple[datetime, int] | None,
                 limit: int) -> tuple[list[AuditLog], tuple[datetime, int] | None]:
    """A page of records, newest first (time, then id); the key of the last one when more may follow."""
    at, id_ = col(AuditLog.at), col(AuditLog.id)
    stmt = select(AuditLog).where(*_clauses(f))
    if cursor is not None:
        stmt = stmt.where(or_(at < cursor[0], and_(at == cursor[0], id_ < cursor[1])))
    rows = list((await session.execute(stmt.order_by(at.desc(), id_.desc()).limit(limit + 1))).scalars())
    if len(rows) <= limit:
        return rows, None
    rows = rows[:limit]
    last = rows[-1]
    assert last.id is not None
    return rows, (last.at, last.id)




async def count(session: AsyncSession, f: AuditFilter) -> tuple[int, bool]:
    """How many records the filter selects: (value, exact). Exact up to ESTIMATE_ABOVE, through a capped subquery
    so that a broad filter never counts the whole trail; beyond, PostgreSQL's planner estimate, or on SQLite the
    cap as a lower bound."""
    base = select(col(AuditLog.id)).where(*_clauses(f))
    return await capped_count(session, base)


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    unit_id: int | None


@dataclass
class Labels:
    """What a page of records needs to read as people would read it, loaded in one query per kind."""

    accounts: dict[int, Account]
    units: dict[int, str]
    people: dict[int, str]  # person id -> name (masked by the service)
    person_of_account: dict[int, int]  # user id -> the register entry bound to it
    volunteers: dict[int, int]  # volunteer id -> person id
    timebank: dict[int, int | None]  # account id -> person id (None: a community's pool)
    cases: dict[int, tuple[str, str, int | None]]  # case id -> (number, kind, requester's user id)


def _int_ids(values: Iterable[str | None]) -> set[int]:
    return {int(v) for v in values if v is not None and v.isdigit() and len(v) < 19}


async def labels(session: AsyncSession, rows: list[AuditLog]) -> Labels:
    def targets(kind: str) -> set[int]:
        return _int_ids(r.target_id for r in rows if r.target_type == kind)

    volunteers: dict[int, int] = {}
    if ids := targets("volunteer"):
        volunteers = {v: p for v, p in (await session.execute(
            select(col(Volunteer.id), col(Volunteer.person_id)).where(col(Volunteer.id).in_(ids)))).all()
            if v is not None}
    timebank: dict[int, int | None] = {}
    if ids := targets("timebank_account"):
        timebank = {a: p for a, p in (await session.execute(
            select(col(TimebankAccount.id), col(TimebankAccount.person_id))
            .where(col(TimebankAccount.id).in_(ids)))).all() if a is not None}
    cases: dict[int, tuple[str, str, int | None]] = {}
    if ids := targets("case"):
        cases = {c: (number, kind, requester) for c, number, kind, requester in (await session.execute(
            select(col(Case.id), col(Case.number), col(Case.kind), col(Case.requester_user_id))
            .where(col(Case.id).in_(ids)))).all() if c is not None}
    user_ids = {r.actor_user_id for r in rows if r.actor_user_id is not None} | targets("user") \
        | {requester for _, _, requester in cases.values() if requester is not None}
    accounts: dict[int, Account] = {}
    if user_ids:
        accounts = {u: Account(name, role, unit) for u, name, role, unit in (await session.execute(
            select(col(User.id), col(User.name), col(User.role), col(User.unit_id))
            .where(col(User.id).in_(user_ids)))).all() if u is not None}
    person_ids = targets("person") | set(volunteers.values()) | {p for p in timebank.values() if p is not None}
    people: dict[int, str] = {}
    person_of_account: dict[int, int] = {}
    if person_ids or user_ids:
        for pid, name, user_id in (await session.execute(
                select(col(Person.id), col(Person.name), col(Person.user_id))
                .where(or_(col(Person.id).in_(person_ids), col(Person.user_id).in_(user_ids))))).all():
            if pid is None:
                continue
            people[pid] = name
            if user_id is not None:
                person_of_account[user_id] = pid
    unit_ids = {r.actor_unit_id for r in rows if r.actor_unit_id is not None}
    units: dict[int, str] = {}
    if unit_ids:
        units = {u: name for u, name in (await session.execute(
            select(col(Unit.id), col(Unit.name)).where(col(Unit.id).in_(unit_ids)))).all() if u is not None}
    return Labels(accounts=accounts, units=units, people=people, person_of_account=person_of_account,
                  volunteers=volunteers, timebank=timebank, cases=cases)
