"""Engine, sessions and the request's unit of work.

The session commits in exactly one place: `UnitOfWorkRoute`, after the
endpoint returned a successful response and before it is sent. Services and
repositories only flush.
"""

import json
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any, Protocol, cast

from fastapi import Request, Response
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel
from sqlalchemy import CursorResult, Result, Select, Table, event, func, select, text
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.orm import QueryableAttribute, Session
from sqlmodel import SQLModel

from app.core import disconnects, sqlite_driver, staged
from app.core.config import Settings
from app.core.errors import AppError


def _json_dumps(value: Any) -> str:
    # Unescaped so that Chinese text in JSON columns stays searchable with LIKE.
    return json.dumps(value, ensure_ascii=False, default=str)


# How long a request waits for SQLite's connection (another process's lock included) before it is refused.
SQLITE_WAIT_SECONDS = 30


def make_engine(settings: Settings) -> AsyncEngine:
    url = settings.database_url
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        # One connection, handed from request to request by the pool's queue. SQLite lets one transaction in at
        # a time anyway (BEGIN IMMEDIATE below), and a second connection waiting for that lock polls with sleeps
        # of up to 100 ms: the holder had long finished before the waiter woke, and the server sat idle between
        # them (a third of an intake load's time). The queue wakes the next request the moment a session ends.
        engine = create_async_engine(url, pool_size=1, max_overflow=0, pool_timeout=SQLITE_WAIT_SECONDS,
                                     connect_args={"timeout": SQLITE_WAIT_SECONDS}, json_serializer=_json_dumps,
                                     **({"module": sqlite_driver.dbapi()} if "+aiosqlite" in url else {}))

        @event.listens_for(engine.sync_engine, "connect")
        def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute(f"PRAGMA busy_timeout={SQLITE_WAIT_SECONDS * 1000}")
            cur.close()

        # pysqlite's own transaction handling defers BEGIN; take a write lock at
        # the start so concurrent writers queue instead of failing mid-transaction.
        @event.listens_for(engine.sync_engine, "connect")
        def _no_pysqlite_tx(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None

        @event.listens_for(engine.sync_engine, "begin")
        def _begin_immediate(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # Fail fast while the database is away: a short connect timeout, a bounded wait for a pooled connection, and
    # a ping at checkout of an idle connection so one a restart broke is replaced instead of failing the request.
    # Custom plans always: asyncpg prepares every statement, and after five runs PostgreSQL may switch to a plan
    # made without the values. For a unit's queue that plan cannot see the LIMIT or how few cases the unit holds,
    # and walks them all: 395 ms a page against 1.2 ms at 300k cases (measured, bench/README.md). Planning each
    # time costs well under a millisecond.
    engine = create_async_engine(url, pool_size=settings.pool_size, max_overflow=settings.pool_size,
                                 pool_timeout=settings.db_pool_timeout_seconds,
                                 connect_args={"timeout": settings.db_connect_timeout_seconds,
                                               "server_settings": {"plan_cache_mode": "force_custom_plan"}},
                                 json_serializer=_json_dumps)
    ping_when_idle(engine, settings.db_ping_idle_seconds)
    return engine


def ping_when_idle(engine: AsyncEngine, idle_seconds: float) -> None:
    """Pings a connection at checkout only when it sat in the pool at least `idle_seconds`.

    SQLAlchemy's `pool_pre_ping` pings at every checkout, and on asyncpg a ping is three round trips (begin, an
    empty statement, rollback): more than half again a case read's own, a tenth of a served read's CPU. A
    connection checked in moments ago was working then. Should the server restart in between, the first statement
    on a broken connection fails as a disconnect (503, retry), and from then on every connection returned before
    it is pinged at its next checkout (SQLAlchemy marks its pool so on its own statements; `Direct` records it in
    `app.core.disconnects`), so one request, not one per pooled connection, meets the restart.
    """
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "checkin")
    def _returned(_dbapi_conn: Any, record: Any) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(sync_engine, "checkout")
    def _ping(dbapi_conn: Any, record: Any, _proxy: Any) -> None:
        returned = record.info.get("returned_at")  # none for a new connection: its info starts empty
        if (returned is not None and time.monotonic() - returned < idle_seconds
                and returned > disconnects.last(sync_engine)):
            return
        try:
            dbapi_conn.ping()
        except Exception as exc:
            # The pool discards this connection and checks out another (a fresh one if need be).
            raise DisconnectionError(str(exc)) from exc


class Stored(Protocol):
    """A table row: its id is None until the row is first flushed."""

    @property
    def id(self) -> int | None: ...


def id_of(row: Stored) -> int:
    """The id of a row that has been flushed or loaded (models type it `int | None` for the unsaved state)."""
    if row.id is None:
        raise RuntimeError(f"{type(row).__name__} has no id yet: it was never flushed")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """A table model's Core table, for statements built once (type checkers do not see `__table__`)."""
    return SQLModel.metadata.tables[str(model.__tablename__)]


def related(model: type[SQLModel], name: str) -> QueryableAttribute[Any]:
    """A table model's relationship as loader options take it (SQLModel declares it as the plain list type)."""
    attribute = getattr(model, name)
    if not isinstance(attribute, QueryableAttribute):
        raise TypeError(f"{model.__name__}.{name} is not a mapped relationship")
    return attribute


def dialect_of(session: AsyncSession) -> str:
    """The database's dialect name ("postgresql" or "sqlite") for a session from `make_sessionmaker`."""
    if session.bind is None:
        raise RuntimeError("the session is not bound to an engine")
    return session.bind.dialect.name


def rowcount(result: Result[Any]) -> int:
    """The rows an UPDATE or DELETE matched. Its result is a CursorResult, which `execute` types as a plain Result."""
    return cast(CursorResult[Any], result).rowcount


class AppSession(Session):
    """The sessions' synchronous session: a flush writes the staged rows (`app.core.staged`) first."""

    def flush(self, objects: Sequence[Any] | None = None) -> None:
        staged.write(self)
        super().flush(objects)

    def rollback(self) -> None:
        staged.discard(self)  # a transaction not begun yet rolls back without a rollback event
        super().rollback()

    def close(self) -> None:
        staged.discard(self)
        super().close()


event.listen(AppSession, "before_commit", staged.write)
event.listen(AppSession, "after_soft_rollback", lambda session, _previous: staged.discard(session))


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, expire_on_commit=False, autoflush=False, sync_session_class=AppSession)


async def get_session(request: Request) -> AsyncSession:
    """The request's session, opened by UnitOfWorkRoute (async: no threadpool hop for a dependency)."""
    session = getattr(request.state, "db", None)
    if session is None:
        session = request.app.state.sessionmaker()
        request.state.db = session
    return session


async def _run_failure_hooks(request: Request) -> None:
    for hook in getattr(request.state, "on_failure", []):
        await hook()
    request.state.on_failure = []


async def _finish(request: Request, commit: bool) -> None:
    session = getattr(request.state, "db", None)
    if session is None:
        return
    hooks = session.info.pop("after_commit", {})
    undo = session.info.pop("after_rollback", {})
    try:
        if commit:
            await session.commit()
            undo = {}
        else:
            await session.rollback()
            hooks = {}
    except BaseException:
        hooks = {}
        raise
    finally:
        await session.close()
        request.state.db = None
        for hook in undo.values():  # a failed commit is a rollback too
            hook()
    for hook in hooks.values():
        hook()


def after_commit(session: AsyncSession, name: str, hook: Callable[[], None]) -> None:
    """Runs `hook` once after the request's transaction commits (never after a rollback)."""
    session.info.setdefault("after_commit", {})[name] = hook


def after_rollback(session: AsyncSession, name: str, hook: Callable[[], None]) -> None:
    """Runs `hook` once after the request's transaction rolls back or fails to commit (never after a commit)."""
    session.info.setdefault("after_rollback", {})[name] = hook


def query_names(dependant: Dependant) -> frozenset[str]:
    """Every query parameter a route takes, through its dependencies (a model of query parameters gives its
    fields' names)."""
    names: set[str] = set()
    for param in dependant.query_params:
        annotation = param.field_info.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            names |= {f.alias or name for name, f in annotation.model_fields.items()}
        else:
            names.add(param.alias)
    for sub in dependant.dependencies:
        names |= query_names(sub)
    return frozenset(names)


def unknown_query_parameters(request: Request, allowed: frozenset[str]) -> AppError | None:
    """A 422 naming every query parameter the route does not take (a misspelled filter is never ignored)."""
    unknown = sorted({k for k in request.query_params.keys() if k not in allowed})
    if not unknown:
        return None
    return AppError("query_parameter_unknown", 422, names=", ".join(unknown), extra={"allowed": sorted(allowed)},
                    field_errors=[{"field": f"query.{name}", "code": "unknown_parameter"} for name in unknown])


class UnitOfWorkRoute(APIRoute):
    """Commits the request's session once, after a successful endpoint, and refuses query parameters the route
    does not take.

    An error response rolls everything back, except an AppError raised with
    ``keep_changes=True`` (a failed login must still count the failure).
    """

    # A route whose protocol lets clients send parameters it does not name (Open311's extensions) sets False.
    strict_query = True

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        allowed = query_names(self.dependant)
        strict = self.strict_query

        async def unit_of_work(request: Request) -> Response:
            if strict and (refusal := unknown_query_parameters(request, allowed)) is not None:
                raise refusal
            try:
                response = await handler(request)
            except BaseException as exc:
                keep = bool(getattr(exc, "keep_changes", False))
                await _finish(request, commit=keep)
                await _run_failure_hooks(request)
                raise
            ok = response.status_code < 400
            await _finish(request, commit=ok)
            if not ok:
                await _run_failure_hooks(request)
            return response

        return unit_of_work


class LenientRoute(UnitOfWorkRoute):
    """A unit of work that lets unknown query parameters through, where a published protocol says so."""

    strict_query = False


# Counted exactly up to this many rows; beyond, PostgreSQL's planner estimate (marked as one).
ESTIMATE_ABOVE = 10_000


async def capped_count(session: AsyncSession, base: Select[Any], cap: int | None = None) -> tuple[int, bool]:
    """How many rows `base` selects: (value, exact). Exact up to `cap` (ESTIMATE_ABOVE unless told), read through a
    capped subquery so that a broad filter never counts a million rows; beyond, PostgreSQL's planner estimate, or
    on SQLite the cap as a lower bound."""
    cap = ESTIMATE_ABOVE if cap is None else cap
    capped = (await session.execute(select(func.count()).select_from(base.limit(cap + 1).subquery()))).scalar_one()
    if capped <= cap:
        return int(capped), True
    if dialect_of(session) == "postgresql":
        compiled = base.compile(dialect=session.get_bind().dialect, compile_kwargs={"literal_binds": True})
        plan = (await session.execute(text(f"EXPLAIN (FORMAT JSON) {compiled}"))).scalar_one()
        plan = plan if isinstance(plan, list) else json.loads(plan)
        return max(int(plan[0]["Plan"]["Plan Rows"]), cap + 1), False
    return cap + 1, False
