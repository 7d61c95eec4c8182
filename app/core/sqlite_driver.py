"""SQLAlchemy's aiosqlite adapter with one trip to the SQLite thread per statement.

aiosqlite runs every call on its own thread and wakes the event loop when the
call is done. SQLAlchemy's adapter makes a trip for each of: opening a cursor,
executing, fetching the rows, closing the cursor. A statement of SQLite's
takes microseconds and a trip takes longer; with the embedded default's one
connection, every trip is time no other request can use the database. Here a
statement is one function on that thread (cursor, execute, fetch, close),
so an intake's dozen statements are a dozen trips instead of forty.

Only the buffered cursor changes. Server-side (streamed) cursors, commits,
rollbacks and connecting are SQLAlchemy's own. The function still runs on
aiosqlite's thread, so a statement that waits for another process's lock
waits there, not on the event loop.
"""

import sqlite3
from collections import deque
from typing import Any

import aiosqlite
from sqlalchemy.connectors.asyncio import AsyncAdapt_dbapi_connection
from sqlalchemy.dialects.sqlite.aiosqlite import (
    AsyncAdapt_aiosqlite_connection,
    AsyncAdapt_aiosqlite_cursor,
    AsyncAdapt_aiosqlite_dbapi,
)
from sqlalchemy.util import immutabledict
from sqlalchemy.util.concurrency import await_

# The lastrowid is Any: sqlite3 gives an int, or None after executemany (PEP 249 leaves it undefined then), while
# SQLAlchemy's cursor classes declare it int. It is passed on as sqlite3 gave it.
_Outcome = tuple[Any, int, Any, list[Any]]


def _run(conn: sqlite3.Connection, operation: str, parameters: Any, many: bool) -> _Outcome:
    cursor = conn.cursor()
    try:
        if many:
            cursor.executemany(operation, parameters)
        else:
            cursor.execute(operation, () if parameters is None else parameters)
        rows = cursor.fetchall() if cursor.description else []
        return cursor.description, cursor.rowcount, cursor.lastrowid, rows
    finally:
        cursor.close()


class OneTripCursor(AsyncAdapt_aiosqlite_cursor):
    """A buffered cursor whose statement, rows and counts come back from the thread in one trip."""

    __slots__ = ("_description", "_rowcount", "_lastrowid", "_arraysize")

    def __init__(self, adapt_connection: AsyncAdapt_dbapi_connection) -> None:
        # The base class opens an aiosqlite cursor here (a trip) and keeps it in _cursor; this one opens none, so
        # _cursor stays unset: every member that reads it (execute, close, the description and counts) is replaced.
        self._adapt_connection = adapt_connection
        self._connection = adapt_connection._connection
        self._soft_closed_memoized = immutabledict()
        self._rows = deque()
        self._description: Any = None
        self._rowcount = -1
        self._lastrowid: Any = None  # None until a statement has run
        self._arraysize = 1  # the DBAPI's default; the base class reads it from the aiosqlite cursor this lacks

    @property
    def description(self) -> Any:
        return self._description

    @property
    def rowcount(self) -> int:
        return self._rowcount

    @property
    def lastrowid(self) -> int:
        return self._lastrowid

    @property
    def arraysize(self) -> int:
        return self._arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._arraysize = value

    async def _async_soft_close(self) -> None:
        return None  # nothing is open on the thread between statements

    def close(self) -> None:
        self._rows.clear()

    def _trip(self, operation: Any, parameters: Any, many: bool) -> None:
        connection = self._connection  # aiosqlite's Connection: _execute runs a function on its thread
        try:
            outcome: _Outcome = await_(connection._execute(_run, connection._conn, operation, parameters, many))
        except Exception as error:
            self._adapt_connection._handle_exception(error)
        self._description, self._rowcount, self._lastrowid, rows = outcome
        self._rows = deque(rows)

    def execute(self, operation: Any, parameters: Any = None) -> None:
        self._trip(operation, parameters, False)

    def executemany(self, operation: Any, seq_of_parameters: Any) -> None:
        self._trip(operation, seq_of_parameters, True)


class OneTripConnection(AsyncAdapt_aiosqlite_connection):
    __slots__ = ()
    _cursor_cls = OneTripCursor


class OneTripDBAPI(AsyncAdapt_aiosqlite_dbapi):
    """Pass as `module=` to create_async_engine for a sqlite+aiosqlite URL."""

    def connect(self, *arg: Any, **kw: Any) -> OneTripConnection:
        adapted = super().connect(*arg, **kw)
        return OneTripConnection(self, adapted._connection)


def dbapi() -> OneTripDBAPI:
    return OneTripDBAPI(aiosqlite, sqlite3)


async def run_statement(connection: aiosqlite.Connection, operation: str, parameters: Any, *,
                        many: bool = False) -> list[Any]:
    """One statement (or one executemany) on aiosqlite's thread in one trip (`app.core.direct`); its rows."""
    _, _, _, rows = await connection._execute(_run, connection._conn, operation, parameters, many)
    return rows
