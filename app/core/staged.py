"""New rows a request only appends (timeline events, outbox rows, notifications, a new case's assignments),
written through `Direct` at the session's next flush instead of through the ORM's unit of work.

The unit of work is general: it sorts mappers by their dependencies, collects each object's changes and runs
each INSERT through the session's connection, which for the five or six append-only rows of an intake cost more
than a millisecond. A staged row keeps the unit of work's meaning: it is written, in the order staged, when the
session flushes (`AppSession.flush`, which `begin_nested` and the metrics' commit hook call too) or commits, and
never if the transaction rolls back first. Once written it has its id and joins the session as if loaded, so a
later change to it is flushed as an update, as the ORM would have it.

A row's one-to-many children already in its loaded collection (a notification's deliveries) are written after
it, their foreign key set from its id. A row must be new (`new_row`) and not also in the session: a row added to
a stored object's collection is the ORM's to write (the cascade adds it), not a staged one.
"""

from collections.abc import Iterator
from functools import cache
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import RelationshipDirection, Session, class_mapper, make_transient_to_detached
from sqlmodel import SQLModel

from app.core.direct import Direct

STAGED = "staged.rows"  # session.info: the rows waiting for the next flush, in the order staged


def stage(session: AsyncSession | Session, row: SQLModel) -> None:
    """Writes `row` at the session's next flush or commit, in this transaction."""
    staged: list[SQLModel] | None = session.info.get(STAGED)
    if staged is None:
        staged = session.info[STAGED] = []
    staged.append(row)


def pending(session: AsyncSession | Session) -> list[SQLModel]:
    return list(session.info.get(STAGED, ()))


def write(session: Session) -> None:
    """Writes the staged rows (synchronous: called from the session's flush and commit, on the greenlet the async
    session runs them on)."""
    staged: list[SQLModel] | None = session.info.get(STAGED)
    if not staged:
        return
    session.info[STAGED] = []
    written: list[SQLModel] = []
    for row in staged:
        for each in _with_children(row):
            plan = _plan(type(each))
            values = each.__dict__
            got = plan.insert.first_now(session, {column: values[name] for name, column in plan.columns
                                                  if name in values})
            assert got is not None
            values[plan.key] = got[0]
            written.append(each)
    attach(session, *reversed(written))  # children first


def attach(session: AsyncSession | Session, *rows: SQLModel) -> None:
    """Rows written outside the unit of work become the session's persistent objects, as if loaded: later changes
    to them are flushed as updates, and nothing is inserted twice. Children first: adding a parent cascades to its
    loaded children, which would otherwise become pending (inserted again)."""
    for row in rows:
        make_transient_to_detached(row)
        session.add(row)


def discard(session: Session) -> None:
    """Forgets the staged rows: the transaction (or savepoint: it began with a flush) they belonged to rolled
    back."""
    session.info.pop(STAGED, None)


def _with_children(row: SQLModel) -> Iterator[SQLModel]:
    """The row, then each child in its loaded one-to-many collections (with their own), foreign keys set just
    before each child is written."""
    yield row
    for relationship, pairs in _plan(type(row)).children:
        for child in row.__dict__.get(relationship, ()):
            for local, remote in pairs:
                child.__dict__[remote] = row.__dict__[local]
            yield from _with_children(child)


class _Plan:
    def __init__(self, model: type[SQLModel]) -> None:
        mapper = class_mapper(model)
        table: Any = mapper.local_table
        (id_column,) = table.primary_key.columns
        self.key: str = mapper.get_property_by_column(id_column).key
        # (attribute, column) of every column but the id, which the database gives
        self.columns = tuple((mapper.get_property_by_column(c).key, c.key) for c in table.columns
                             if c is not id_column)
        self.insert = Direct(insert(table).returning(id_column))
        self.children = tuple(
            (r.key, tuple((mapper.get_property_by_column(local).key,
                           r.mapper.get_property_by_column(remote).key) for local, remote in r.local_remote_pairs))
            for r in mapper.relationships if r.direction is RelationshipDirection.ONETOMANY)


@cache
def _plan(model: type[SQLModel]) -> _Plan:
    return _Plan(model)
