"""The SQL ceiling: capture exactly the statements one request sends, then replay them raw.

A request is made once in-process with a listener on the engine that records
every statement and its parameters as the driver receives them. The replay
runs that same list on a bare driver connection (asyncpg or sqlite3) in a
loop: no HTTP, no framework, no ORM, no domain code. It is what the
database alone can do for this request, measured on the same machine in the
same run.

Values that must differ per transaction are renewed on replay: the id of the
new case (returned, or SQLite's lastrowid) and every later use of it, case numbers,
UUIDs and the idempotency key. Reads can be pointed at another row through
`swap` (old value -> a function giving the new one).
"""

import itertools
import re
import sqlite3
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from sqlalchemy import event

from app.core.direct import Direct
from bench.kit.rate import pool_rate

NUMBER = re.compile(r"^\d{6}-\d{8}-\d{6}$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")


@dataclass
class Statement:
    sql: str
    params: Any
    many: bool
    returns: list[Any] = field(default_factory=list)  # the ids it returned when captured
    lastrowid: bool = False  # the id came back as the cursor's lastrowid (SQLite inserts one row without RETURNING)


@dataclass
class Capture:
    statements: list[Statement]
    dialect: str
    idem_key: str | None = None  # renewed on every replay

    @property
    def writes(self) -> int:
        return sum(1 for s in self.statements if not s.sql.lstrip().upper().startswith("SELECT"))

    def describe(self) -> str:
        kinds: dict[str, int] = {}
        for s in self.statements:
            word = s.sql.lstrip().split()[0].upper()
            if word == "INSERT":
                word = "INSERT " + s.sql.split()[2]
            kinds[word] = kinds.get(word, 0) + 1
        return ", ".join(f"{k}×{v}" if v > 1 else k for k, v in kinds.items())


def _to_dollar(sql: str) -> str:
    counter = itertools.count(1)
    return re.sub(r"%s", lambda _: f"${next(counter)}", sql)


class Recorder:
    """Records the statements an engine runs while active (transaction control excluded)."""

    def __init__(self, engine: Any) -> None:
        self.engine = engine.sync_engine
        self.statements: list[Statement] = []
        self.on = False

    def __enter__(self) -> "Recorder":
        event.listen(self.engine, "before_cursor_execute", self._before)
        event.listen(self.engine, "after_cursor_execute", self._after)
        Direct.observers.append(self._before)  # the statements the application hands to the driver itself
        Direct.after.append(self._after)
        self.on = True
        return self

    def __exit__(self, *exc: Any) -> None:
        event.remove(self.engine, "before_cursor_execute", self._before)
        event.remove(self.engine, "after_cursor_execute", self._after)
        Direct.observers.remove(self._before)
        Direct.after.remove(self._after)

    def _before(self, conn, cursor, statement, parameters, context, executemany) -> None:
        if statement.strip().upper() in ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK"):
            return
        if conn.dialect.name == "postgresql" and "%s" in statement:
            statement = _to_dollar(statement)
        many = bool(executemany) and isinstance(parameters, list | tuple) and bool(parameters) \
            and isinstance(parameters[0], list | tuple | dict)
        self.statements.append(Statement(statement, parameters, many))

    def _after(self, conn, cursor, statement, parameters, context, executemany) -> None:
        # Only the new case's id is used again later in the transaction (its assignments, events, outbox).
        # Other returned values (a counter, an idempotency row's small id) must not be renewed: they equal
        # unrelated parameters, such as a user's id, and renewing them breaks foreign keys.
        if not self.statements or not re.match(r"\s*INSERT INTO cases\b", statement, re.IGNORECASE):
            return
        if "RETURNING" not in statement.upper():
            # SQLite inserts one row without RETURNING and reads its id from lastrowid; the rows that follow
            # (assignments, events, the case's performance contribution keyed by it) use that id.
            if isinstance(getattr(cursor, "lastrowid", None), int) and not executemany:
                self.statements[-1].returns = [cursor.lastrowid]
                self.statements[-1].lastrowid = True
            return
        # SQLAlchemy's async adapters buffer a statement's rows on the cursor before this event fires.
        rows = getattr(cursor, "_rows", None)
        if rows:
            self.statements[-1].returns = [r[0] for r in rows]


class Renewer:
    """Gives each replayed transaction its own unique values."""

    def __init__(self, swap: dict[Any, Callable[[], Any]] | None = None) -> None:
        self.swap = swap or {}
        self.serial = itertools.count(1)

    def values(self, capture: Capture) -> tuple[dict[Any, Any], Callable[[Any], Any]]:
        mapping: dict[Any, Any] = {old: make() for old, make in self.swap.items()}
        n = next(self.serial)

        def renew(value: Any) -> Any:
            if isinstance(value, bool) or not isinstance(value, int | str):
                return value
            if value in mapping:
                return mapping[value]
            if isinstance(value, str):
                if NUMBER.match(value):
                    mapping[value] = f"{value[:6]}-29{n % 10**6:06d}-{uuid.uuid4().int % 10**6:06d}"
                    return mapping[value]
                if UUID.match(value):
                    mapping[value] = str(uuid.uuid4())
                    return mapping[value]
            return value

        return mapping, renew


def _params(params: Any, renew: Callable[[Any], Any]) -> Any:
    if isinstance(params, dict):
        return {k: renew(v) for k, v in params.items()}
    return tuple(renew(v) for v in params)


async def replay_pg(pool: asyncpg.Pool, capture: Capture, renewer: Renewer) -> None:
    mapping, renew = renewer.values(capture)
    if capture.idem_key:
        mapping[capture.idem_key] = f"raw-{uuid.uuid4()}"
    async with pool.acquire() as conn, conn.transaction():
        for s in capture.statements:
            if s.many:
                await conn.executemany(s.sql, [_params(p, renew) for p in s.params])
            elif s.returns:
                got = await conn.fetch(s.sql, *_params(s.params, renew))
                for old, row in zip(s.returns, got, strict=False):
                    mapping[old] = row[0]
            else:
                await conn.fetch(s.sql, *_params(s.params, renew))


def replay_sqlite(conn: sqlite3.Connection, capture: Capture, renewer: Renewer) -> None:
    mapping, renew = renewer.values(capture)
    if capture.idem_key:
        mapping[capture.idem_key] = f"raw-{uuid.uuid4()}"
    conn.execute("BEGIN IMMEDIATE")
    try:
        for s in capture.statements:
            if s.many:
                conn.executemany(s.sql, [_params(p, renew) for p in s.params])
            elif s.lastrowid:
                mapping[s.returns[0]] = conn.execute(s.sql, _params(s.params, renew)).lastrowid
            elif s.returns:
                got = conn.execute(s.sql, _params(s.params, renew)).fetchall()
                for old, row in zip(s.returns, got, strict=False):
                    mapping[old] = row[0]
            else:
                conn.execute(s.sql, _params(s.params, renew)).fetchall()
        conn.execute("COMMIT")
    except BaseException:
        conn.execute("ROLLBACK")
        raise


async def raw_rate_pg(dsn: str, capture: Capture, *, concurrency: int, seconds: float,
                      swap: dict[Any, Callable[[], Any]] | None = None) -> tuple[float, list[float]]:
    """Transactions per second and latencies (ms) of the captured list on asyncpg, `concurrency` at once."""
    renewer = Renewer(swap)
    return await pool_rate(dsn, lambda pool: replay_pg(pool, capture, renewer), concurrency=concurrency,
                           seconds=seconds)


def raw_rate_sqlite(path: str, capture: Capture, *, seconds: float,
                    swap: dict[Any, Callable[[], Any]] | None = None) -> tuple[float, list[float]]:
    """SQLite serialises writers, so its ceiling is one connection running transactions back to back."""
    renewer = Renewer(swap)
    conn = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "foreign_keys=ON", "synchronous=NORMAL", "busy_timeout=30000"):
        conn.execute(f"PRAGMA {pragma}")
    latencies: list[float] = []
    stop = time.perf_counter() + seconds
    started = time.perf_counter()
    try:
        while time.perf_counter() < stop:
            t = time.perf_counter()
            replay_sqlite(conn, capture, renewer)
            latencies.append((time.perf_counter() - t) * 1000)
    finally:
        conn.close()
    return len(latencies) / (time.perf_counter() - started), latencies
