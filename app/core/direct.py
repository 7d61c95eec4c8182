"""The hottest statements, compiled once per dialect and handed to the driver on the session's own connection.

A statement through `session.execute` passes the ORM session's layer, the connection's, the compiled cache's
lookup and an execution context before the driver sees it; on an intake that is a quarter of a millisecond a
statement, more than SQLite takes to run it. A `Direct` statement keeps what SQLAlchemy decides (the SQL text
for the dialect, the order of the parameters, each type's conversion of a value) and does that work once: a call
converts the values and passes them to the driver, on the connection and in the transaction the session has begun.

Only statements whose every value comes from the parameters or the statement: an INSERT whose columns would take
a default computed in Python is refused when first compiled (the session's own path computes those). A driver's
error is raised as SQLAlchemy raises it (`DBAPIError` and its kinds), so the application's handlers answer it as
before. Listeners of `Direct.observers` and `Direct.after` see each statement as the driver gets it (the
benchmark's capture of an intake's SQL, the tests that count statements).
"""

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Float
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import Connection, Dialect
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import Session
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement
from sqlalchemy.util.concurrency import await_

from app.core import disconnects
from app.core.sqlite_driver import run_statement

# Called as SQLAlchemy calls a `before_cursor_execute` or `after_cursor_execute` listener (conn, cursor, statement,
# parameters, context, executemany), without a context, so that one function can listen to both. The cursor is
# None before the statement runs; after, a stand-in holding its rows (`_rows`, as SQLAlchemy's async cursors do).
Observer = Callable[[Any, Any, str, Any, None, bool], None]


@dataclass(frozen=True)
class Ran:
    _rows: list[tuple[Any, ...]]
    lastrowid: None = None


@dataclass(frozen=True)
class _Plan:
    sql: str
    names: tuple[str, ...]  # the parameters in the order the SQL takes them
    convert: tuple[Callable[[Any], Any] | None, ...]  # each one's type conversion for this dialect
    results: tuple[Callable[[Any], Any] | None, ...]  # each result column's conversion of what the driver gives
    compiled: SQLCompiler  # fills in the values the statement itself carries (`values(state="done")`)
    passthrough: bool  # every parameter comes from the caller's mapping under its own name: no filling in


class Direct:
    observers: list[Observer] = []  # before each statement
    after: list[Observer] = []  # after each statement, with its rows

    def __init__(self, statement: ClauseElement, encoded: tuple[str, ...] = ()) -> None:
        """`encoded`: parameters of a JSON column passed as their JSON text already (not converted again)."""
        self.statement = statement
        self.encoded = frozenset(encoded)
        self._plans: dict[tuple[str, frozenset[str]], _Plan] = {}

    def _plan(self, dialect: Dialect, keys: frozenset[str]) -> _Plan:
        plan = self._plans.get((dialect.name, keys))
        if plan is None:
            compiled = self.statement.compile(dialect=dialect, column_keys=sorted(keys))
            assert isinstance(compiled, SQLCompiler)
            if compiled.insert_prefetch or compiled.update_prefetch:
                raise TypeError("a Direct statement takes every value from its parameters (a Python-side default "
                                f"would be skipped): {compiled.string[:80]}")
            names = tuple(compiled.positiontup or ())
            own = {name: bind.key for bind, name in compiled.bind_names.items()}
            passthrough = (set(names) <= keys and not compiled.escaped_bind_names
                           and all(own.get(n) == n for n in names))
            processors: Mapping[str, Any] = compiled._bind_processors  # one function a name (no tuple types here)
            plan = _Plan(sql=compiled.string, names=names,
                         convert=tuple(None if n in self.encoded else processors.get(n) for n in names),
                         results=tuple(_result_processor(column[3], dialect)
                                       for column in compiled._result_columns),
                         compiled=compiled, passthrough=passthrough)
            self._plans[(dialect.name, keys)] = plan
        return plan

    async def rows(self, session: AsyncSession, params: Mapping[str, Any]) -> list[tuple[Any, ...]]:
        """Runs the statement once with `params`; the rows it returns (none for a statement that returns none)."""
        return await self._run(await _connection(session), [params], many=False)

    async def first(self, session: AsyncSession, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        found = await self.rows(session, params)
        return found[0] if found else None

    def first_now(self, session: Session, params: Mapping[str, Any]) -> tuple[Any, ...] | None:
        """`first`, from SQLAlchemy's own synchronous code (as `many_now`)."""
        found: list[tuple[Any, ...]] = await_(self._run(session.connection(), [params], many=False))
        return found[0] if found else None

    def many_now(self, session: Session, params: Sequence[Mapping[str, Any]]) -> None:
        """Runs the statement for each of `params` (one executemany; rows of the same keys), from SQLAlchemy's own
        synchronous code: a session event, on the greenlet the async session runs it on."""
        if params:
            await_(self._run(session.connection(), params, many=True))

    def _args(self, plan: _Plan, params: Mapping[str, Any]) -> tuple[Any, ...]:
        values = params if plan.passthrough else plan.compiled.construct_params(dict(params))
        return tuple(v if f is None else f(v) for f, v in zip(plan.convert, (values[n] for n in plan.names),
                                                              strict=True))

    async def _run(self, sync: Connection, params: Sequence[Mapping[str, Any]], *, many: bool) -> list[Any]:
        dialect = sync.dialect
        plan = self._plan(dialect, frozenset(params[0]))
        args: Any = [self._args(plan, p) for p in params] if many else self._args(plan, params[0])
        for observe in self.observers:
            observe(sync, None, plan.sql, args, None, many)
        pooled = sync.connection  # checked out already: the transaction holds it
        driver: Any = pooled.driver_connection
        try:
            if dialect.name == "postgresql":
                got = await _on_asyncpg(pooled.dbapi_connection, driver, plan.sql, args, many)
            else:  # SQLite's transaction is begun already: SQLAlchemy's begin sent BEGIN IMMEDIATE (app.core.db)
                got = await run_statement(driver, plan.sql, args, many=many)
        except Exception as error:  # noqa: BLE001 - raised again as SQLAlchemy raises a driver's error
            raise _as_sqlalchemy(sync, pooled.dbapi_connection, plan.sql, args, error) from error
        for observe in self.after:
            observe(sync, Ran(got), plan.sql, args, None, many)
        if any(plan.results):
            return [tuple(v if f is None else f(v) for f, v in zip(plan.results, row, strict=True)) for row in got]
        return got


_HELD = "direct.connection"


async def _connection(session: AsyncSession) -> Connection:
    """The connection of the session's transaction. The transaction's first statement asks the session for it (which
    begins the transaction, on SQLAlchemy's greenlet, as the session's own statements do); the others find it kept
    for that transaction, without the greenlet's hop each."""
    transaction = session.sync_session.get_transaction()
    held = session.info.get(_HELD)
    if transaction is not None and held is not None and held[0] is transaction and transaction.is_active:
        kept: Connection = held[1]
        if not kept.invalidated:
            return kept
    connection = (await session.connection()).sync_connection
    assert connection is not None
    session.info[_HELD] = (session.sync_session.get_transaction(), connection)
    return connection


async def _on_asyncpg(adapted: Any, driver: Any, sql: str, args: Any, many: bool) -> list[Any]:
    """As SQLAlchemy's asyncpg adapter runs a statement: one at a time on the connection, and inside the
    transaction, which the adapter begins only when its first statement comes. A first statement sent here
    must begin it the same way, or it would run in autocommit, outside the transaction that rolls back."""
    async with adapted._execute_mutex:
        if adapted._transaction is None:
            await adapted._start_transaction()
        if many:
            await driver.executemany(sql, args)
            return []
        return [tuple(r) for r in await driver.fetch(sql, *args)]


def _result_processor(type_: Any, dialect: Dialect) -> Callable[[Any], Any] | None:
    """A result column's conversion. PostgreSQL's numerics choose theirs by the column type the driver reports,
    which this path does not ask for: a float column comes back from asyncpg as a float already."""
    try:
        processor: Callable[[Any], Any] | None = type_._cached_result_processor(dialect, None)
    except (TypeError, sa_exc.InvalidRequestError):
        if isinstance(type_, Float) and not type_.asdecimal:
            return None
        raise TypeError(f"a Direct statement cannot return a column of type {type_!r}") from None
    return processor


def _as_sqlalchemy(sync: Connection, adapted: Any, sql: str, args: tuple[Any, ...], error: Exception) -> Exception:
    dialect = sync.dialect
    try:  # the adapter translates the driver's own exception into its DBAPI kind (asyncpg's, for one)
        adapted._handle_exception(error)  # noqa: SLF001
    except Exception as translated:  # noqa: BLE001
        error = translated
    if not isinstance(error, dialect.loaded_dbapi.Error):
        return error
    # As SQLAlchemy does on its own path: a dropped connection is discarded (never handed to another request) and
    # the rest of the pool is checked before its next use (`app.core.disconnects`).
    dropped = dialect.is_disconnect(error, adapted, None)
    if dropped:
        disconnects.seen(sync.engine)
        sync.invalidate(error)
    return sa_exc.DBAPIError.instance(sql, args, error, dialect.loaded_dbapi.Error, dialect=dialect,
                                      connection_invalidated=dropped)
