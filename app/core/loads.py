"""Rows of one table read through `Direct` and made the session's objects, as the ORM's own load makes them.

A read of a case runs three statements for objects (the case, its assignments, its timeline) on every request.
Through `session.execute(select(Model))` each passes the ORM's compile-state, its result and its loading of every
row, which cost more of the read's CPU than the database's answer. A `Load` selects the table's columns through
`Direct` and builds each object as the ORM's loading does (the class's own `__new__`, the row's values, a
persistent object in the session's identity map with no history), so that a later change to it is flushed as an
update and a later read of the same row finds the same object.

An object the session holds already is never duplicated: it is refreshed with the row (`refresh`, as the ORM's
`populate_existing` does, dropping the session's unflushed changes to it) or returned as it stands (as a plain
ORM select does). The sessions do not autoflush (`app.core.db`), so neither does a `Load`.

A read that answers the rows and changes nothing (`GET /cases/{id}`) takes them `untracked`: objects of no session,
built without the identity map, history or cascade that tracking costs (a third of building a case's objects).
"""

from collections.abc import Mapping
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, inspect, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Mapper, Session
from sqlalchemy.orm.attributes import set_committed_value
from sqlmodel import SQLModel

from app.core.direct import Direct
from app.core.staged import attach

M = TypeVar("M", bound=SQLModel)


class Load(Generic[M]):
    def __init__(self, model: type[M], *where: ColumnElement[bool], order_by: tuple[Any, ...] = (),
                 for_update: bool = False, refresh: bool = True) -> None:
        """Every column of `model`'s table, in the rows `where` selects (bound parameters by name); `for_update`
        locks them for the transaction (PostgreSQL: SQLite's writes are serialised already)."""
        self.refresh = refresh
        mapper: Mapper[M] = inspect(model)
        (key_column,) = mapper.primary_key  # one-column keys only: every table here has its `id`
        self.mapper = mapper
        self.names = tuple(prop.key for prop in mapper.column_attrs)
        columns = [mapper.columns[name] for name in self.names]
        self.key_at = next(i for i, c in enumerate(columns) if c is key_column)
        statement = select(*columns).where(*where).order_by(*order_by)
        self.direct = Direct(statement.with_for_update() if for_update else statement)

    async def all(self, session: AsyncSession, params: Mapping[str, Any], *, tracked: bool = True) -> list[M]:
        """The rows as the session's objects, or (`tracked=False`) as objects of no session, for reading only: a
        change to one is never written, and the session's own object for the row, if it holds one, is not used."""
        rows = await self.direct.rows(session, params)
        if not tracked:
            return [self._untracked(row) for row in rows]
        return [self._object(session.sync_session, row) for row in rows]

    async def first(self, session: AsyncSession, params: Mapping[str, Any], *, tracked: bool = True) -> M | None:
        found = await self.all(session, params, tracked=tracked)
        return found[0] if found else None

    def _untracked(self, row: tuple[Any, ...]) -> M:
        obj: M = self.mapper.class_manager.new_instance()
        obj.__dict__.update(zip(self.names, row, strict=True))
        return obj

    def _object(self, session: Session, row: tuple[Any, ...]) -> M:
        key = self.mapper.identity_key_from_primary_key((row[self.key_at],))
        held: M | None = session.identity_map.get(key)
        if held is not None:
            if self.refresh:
                for name, value in zip(self.names, row, strict=True):
                    set_committed_value(held, name, value)
            return held
        obj = self._untracked(row)
        attach(session, obj)
        return obj
