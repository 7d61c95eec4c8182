"""The fixed ceiling for intake: the minimal transaction a new hotline case must persist, on the bare driver.

Unlike the replay in capture.py (the application's own statements, so a heavier SQL path raises its cost and
flatters the ratio), this transaction is fixed and outside the application's control:

    one idempotency record (with a stored answer of a realistic size), the case row (into the application's own
    `cases` table, so with the same indexes and triggers), one lead assignment, two timeline events (create and
    dispatch) and one outbox row, fresh values each time, then COMMIT.

SQLite: raw aiosqlite, WAL, synchronous=NORMAL, one connection (SQLite has one writer). PostgreSQL: raw asyncpg
with prepared statements (asyncpg prepares and caches each statement per connection), `concurrency` connections
at once, as the API load runs.
"""

import itertools
import json
import os
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bench.kit.rate import pool_rate

# A stored answer about the size of an intake's (the replay of a key returns it); its content does not matter.
ANSWER = json.dumps({"id": 0, "number": "x" * 24, "description": "小区门口路灯坏了一个多星期，晚上很黑" * 20,
                     "timeline": [{"type": "create", "data": {"k": "v" * 200}}] * 4}, ensure_ascii=False)
EVENT_DATA = json.dumps({"channel": "hotline", "kind": "hotline", "category": "c", "region_code": "r"})
DISPATCH_DATA = json.dumps({"lead_unit_id": 1, "co_unit_ids": [], "rule_id": 1, "fallback": False,
                            "trace": ["规则 1 适用"] * 4, "deadlines": {"sign_due": "2026-01-01T00:00:00+00:00"}})
OUTBOX_BODY = json.dumps({"type": "dispatch", "case": {"number": "x", "status": "dispatched"}, "data": {}})

CASE_COLUMNS = ("number, kind, channel, category_code, work_order_type, urgency, handling_class, status, stage, "
                "description, region_code, district_code, address, caller_name, caller_phone, caller_phone_hash, "
                "anonymous, hide_contact, lead_unit_id, profile_code, routing_fallback, sign_due, handle_due, "
                "return_until, extension_days_granted, direct_answer, payload, dispatched_at, created_by, "
                "created_at, updated_at, version, search_text")


@dataclass(frozen=True)
class Refs:
    """Rows the new case refers to (foreign keys): taken from the database under test."""

    user_id: int | None  # a user (the idempotency record's owner, the creator); None on a bare database
    unit_id: int
    region_code: str
    category_code: str


def _statements(p: str) -> dict[str, str]:
    """The five inserts, with `p(i)` giving the i-th placeholder of the dialect."""
    def ph(n: int, start: int = 1) -> str:
        return ", ".join(p.format(i=i) for i in range(start, start + n))

    return {
        "idem": "INSERT INTO idempotency_keys (user_id, key, method, path, request_hash, state, response_status, "
                f"response_body, created_at, expires_at) VALUES ({ph(10)})",
        "case": f"INSERT INTO cases ({CASE_COLUMNS}) VALUES ({ph(33)}) RETURNING id",
        "assign": "INSERT INTO assignments (case_id, unit_id, role, status, active, dispatched_at, sign_due, "
                  f"region_code, district_code) VALUES ({ph(9)})",
        "event": "INSERT INTO case_events (case_id, at, type, actor_user_id, actor_role, from_status, to_status, "
                 f"data) VALUES ({ph(8)})",
        "outbox": "INSERT INTO outbox (event_uid, unit_id, case_id, type, body, created_at, status, attempts, "
                  f"next_attempt_at) VALUES ({ph(9)})",
    }


SQLITE = _statements("?")
PG = _statements("${i}")


class Values:
    """Fresh values for each transaction."""

    def __init__(self, refs: Refs, *, text_times: bool) -> None:
        self.refs = refs
        self.serial = itertools.count(1)
        self.tag = f"{os.getpid()}{time.time_ns() % 10**6}"
        self.text_times = text_times

    def _t(self, value: datetime) -> Any:
        return value.replace(tzinfo=None).isoformat(sep=" ") if self.text_times else value

    def rows(self) -> dict[str, Any]:
        r, n, now = self.refs, next(self.serial), datetime.now(UTC)
        district = r.region_code[:6]
        t, sign, handle = self._t(now), self._t(now + timedelta(hours=2)), self._t(now + timedelta(days=5))
        flag = 0 if self.text_times else False
        yes = 1 if self.text_times else True
        case = (f"{district}-F{self.tag}-{n:08d}", "hotline", "hotline", r.category_code, "complaint", "normal",
                "standard", "dispatched", "intake", f"小区门口路灯坏了 {n}", r.region_code, district,
                f"幸福路{n % 90 + 1}号", "王女士", f"139{n % 10**8:08d}", uuid.uuid4().hex, flag, flag, r.unit_id,
                "standard", flag, sign, handle, None, 0, flag, "{}", t, r.user_id, t, t, 1, f"路灯 坏 {n}")
        return {
            "idem": (r.user_id or 0, f"ceiling-{uuid.uuid4()}", "POST", "/hotline/orders", uuid.uuid4().hex * 2, "done",
                     201, ANSWER, t, self._t(now + timedelta(hours=24))),
            "case": case,
            "assign": lambda cid: (cid, r.unit_id, "lead", "dispatched", yes, t, sign, r.region_code, district),
            "events": lambda cid: [(cid, t, "create", r.user_id, "agent", None, "received", EVENT_DATA),
                                   (cid, t, "dispatch", r.user_id, "agent", "received", "dispatched", DISPATCH_DATA)],
            "outbox": lambda cid: (str(uuid.uuid4()), r.unit_id, cid, "dispatch", OUTBOX_BODY, t, "pending", 0, t),
        }


async def refs_sqlite(path: str) -> Refs:
    import aiosqlite

    async with aiosqlite.connect(path) as db:
        return await _refs(lambda sql: _fetchone_sqlite(db, sql))


async def _fetchone_sqlite(db: Any, sql: str) -> Any:
    async with db.execute(sql) as cur:
        return await cur.fetchone()


async def _refs(fetch: Any) -> Refs:
    user_row = await fetch("SELECT id FROM users ORDER BY id LIMIT 1")
    unit = (await fetch("SELECT id FROM units ORDER BY id LIMIT 1"))[0]
    region = (await fetch("SELECT code FROM regions WHERE level = 'community' ORDER BY code LIMIT 1"))[0]
    category = (await fetch("SELECT c.code FROM categories c WHERE NOT EXISTS (SELECT 1 FROM categories k "
                            "WHERE k.parent_code = c.code) ORDER BY c.code LIMIT 1"))[0]
    return Refs(user_row[0] if user_row else None, unit, region, category)


async def sqlite_open(path: str) -> Any:
    """A raw aiosqlite connection as the ceiling runs it: autocommit off the driver, WAL, synchronous=NORMAL."""
    import aiosqlite

    db = await aiosqlite.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON", "busy_timeout=30000"):
        await db.execute(f"PRAGMA {pragma}")
    return db


async def sqlite_transaction(db: Any, values: Values) -> None:
    """The fixed transaction once, with fresh values."""
    v = values.rows()
    await db.execute("BEGIN IMMEDIATE")
    await db.execute(SQLITE["idem"], v["idem"])
    async with db.execute(SQLITE["case"], v["case"]) as cur:
        case_id = (await cur.fetchone())[0]
    await db.execute(SQLITE["assign"], v["assign"](case_id))
    await db.executemany(SQLITE["event"], v["events"](case_id))
    await db.execute(SQLITE["outbox"], v["outbox"](case_id))
    await db.execute("COMMIT")


async def sqlite_rate(path: str, *, seconds: float) -> tuple[float, list[float]]:
    """Transactions per second (and latencies, ms) of the fixed transaction on raw aiosqlite, back to back."""
    values = Values(await refs_sqlite(path), text_times=True)
    db = await sqlite_open(path)
    try:
        latencies: list[float] = []
        started = time.perf_counter()
        stop = started + seconds
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await sqlite_transaction(db, values)
            latencies.append((time.perf_counter() - t) * 1000)
        return len(latencies) / (time.perf_counter() - started), latencies
    finally:
        await db.close()


async def pg_rate(dsn: str, *, concurrency: int, seconds: float) -> tuple[float, list[float]]:
    """Transactions per second (and latencies, ms) of the fixed transaction on raw asyncpg, `concurrency` at once."""
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        refs = await _refs(conn.fetchrow)
    finally:
        await conn.close()
    values = Values(refs, text_times=False)

    async def one(conn: Any) -> None:
        v = values.rows()
        async with conn.transaction():
            await conn.execute(PG["idem"], *v["idem"])
            case_id = await conn.fetchval(PG["case"], *v["case"])
            await conn.execute(PG["assign"], *v["assign"](case_id))
            await conn.executemany(PG["event"], v["events"](case_id))
            await conn.execute(PG["outbox"], *v["outbox"](case_id))

    return await pool_rate(dsn, one, concurrency=concurrency, seconds=seconds, hold=True)
