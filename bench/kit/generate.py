"""Bulk data for the benchmarks: a year of orders in both districts, cloned from real cases.

Each generated case copies one template (a real order the API drove to
dispatched, signed, replied or closed) with its assignments, timeline and
callbacks, then gets its own place, category, lead and co-handling units (from
the real routing rules), caller, words and time. Busy communities and common
categories are drawn far more often (Zipf weights); old cases are mostly
closed, new ones mostly open. PostgreSQL is written with COPY, SQLite with
batched inserts.

Deadlines are the template's shifted in time, not recomputed per work-order
type; outbox rows are not generated (a delivered outbox is history nobody reads).
"""

import json
import random
import re
import sqlite3
from collections import defaultdict
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg
from cryptography.fernet import Fernet
from sqlmodel import SQLModel

from app.cases.dispatching import decision_data
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.security import lookup_hash
from app.core.segment import index_terms
from app.hotline.classifier import load_examples
from app.main import create_app
from app.models.base import UTCDateTime
from app.routing import service as routing
from app.routing.rules import Facts, RoutingDataError, resolve
from bench.kit.servers import ROOT, SECRETS
from bench.kit.templates import Template, make_templates

TABLES = ("cases", "assignments", "case_events", "case_callbacks")
ZONE = ZoneInfo("Asia/Shanghai")
TYPES = {"complaint": 35, "help": 25, "consultation": 20, "report": 10, "suggestion": 7, "praise": 3}
HOURS = [1, 1, 1, 1, 1, 1, 2, 4, 8, 10, 10, 9, 6, 7, 9, 10, 9, 8, 6, 5, 4, 3, 2, 1]  # calls by hour of day
BATCH = 10_000
BULK = 50_000  # from this many cases on, load without secondary indexes and rebuild them


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(database_url=url, data_dir=data_dir, jwt_secret=SECRETS["CSC_JWT_SECRET"],
                    field_key=SECRETS["CSC_FIELD_KEY"], lookup_key=SECRETS["CSC_LOOKUP_KEY"],
                    run_worker_in_serve=False, log_json=False)


def _zipf(n: int, s: float) -> list[float]:
    weights, total = [], 0.0
    for rank in range(1, n + 1):
        total += rank ** -s
        weights.append(total)
    return weights


def _template_for(age: timedelta, by_name: dict[str, Template], rnd: random.Random) -> Template:
    days = age.total_seconds() / 86400
    if days < 2:
        name = rnd.choices(["dispatched", "signed", "replied"], [50, 30, 20])[0]
    elif days < 15:
        name = rnd.choices(["dispatched", "signed", "replied", "closed_satisfied", "closed_basic"],
                           [8, 32, 30, 20, 10])[0]
    else:
        name = rnd.choices(["signed", "replied", "closed_satisfied", "closed_basic"], [2, 6, 62, 30])[0]
    chosen = by_name[name]
    if chosen.span > age:  # a case cannot be further along than its age allows
        fitting = [t for t in by_name.values() if t.span <= age]
        chosen = max(fitting, key=lambda t: t.span)
    return chosen


class Rows:
    """Raw rows in the database's own representation, read and written without the ORM."""

    def __init__(self, dialect: str) -> None:
        self.dialect = dialect
        self.datetimes = {t: {c.name for c in SQLModel.metadata.tables[t].columns if isinstance(c.type, UTCDateTime)}
                          for t in TABLES}
        self.columns = {t: [c.name for c in SQLModel.metadata.tables[t].columns] for t in TABLES}

    def shift(self, value: Any, delta: timedelta) -> Any:
        if value is None:
            return None
        if isinstance(value, datetime):
            return value + delta
        moved = datetime.fromisoformat(value) + delta  # SQLite keeps naive UTC text
        return moved.strftime("%Y-%m-%d %H:%M:%S.%f")


async def _template_rows(conn: Any, dialect: str, templates: list[Template]) -> dict[int, dict[str, list[dict]]]:
    out: dict[int, dict[str, list[dict]]] = {t.case_id: defaultdict(list) for t in templates}
    ids = [t.case_id for t in templates]
    for table in TABLES:
        key = "id" if table == "cases" else "case_id"
        sql = f"SELECT * FROM {table} WHERE {key} IN ({','.join(str(i) for i in ids)}) ORDER BY id"
        if dialect == "postgresql":
            rows = [dict(r) for r in await conn.fetch(sql)]
        else:
            conn.row_factory = sqlite3.Row
            rows = [dict(r) for r in conn.execute(sql).fetchall()]
        for row in rows:
            out[row[key]][table].append(row)
    return out


async def _max_ids(conn: Any, dialect: str) -> dict[str, int]:
    out = {}
    for table in TABLES:
        sql = f"SELECT COALESCE(MAX(id), 0) FROM {table}"
        out[table] = (await conn.fetchval(sql)) if dialect == "postgresql" else conn.execute(sql).fetchone()[0]
    return out


class Generator:
    def __init__(self, snap: Any, templates: list[Template], rows: dict, raw: Rows, now: datetime,
                 settings: Settings, seed: int = 7) -> None:
        self.rnd = random.Random(seed)
        self.snap, self.raw, self.now = snap, raw, now
        self.by_name = {t.name: t for t in templates}
        self.rows = rows
        leaves = routing.leaf_codes(snap)
        routed = sorted(c for c in leaves if any(c.startswith(k) for k in snap.rules_by_category))
        self.categories = routed or sorted(leaves)
        self.rnd.shuffle(self.categories)
        self.category_weights = _zipf(len(self.categories), 1.0)
        communities = sorted(r.code for r in snap.regions.values() if r.level == "community")
        self.rnd.shuffle(communities)
        self.communities = communities
        self.community_weights = _zipf(len(communities), 1.1)
        examples = defaultdict(list)
        for e in load_examples(settings.seed_dir):
            examples[e.category].append(e.text)
        self.examples = examples
        cipher = Fernet(settings.field_key.encode())
        phones = [f"13{self.rnd.randrange(10**9):09d}" for _ in range(2000)]
        self.phones = [(cipher.encrypt(p.encode()).decode(), lookup_hash(settings.lookup_key, p)) for p in phones]
        self.decisions: dict[tuple[str, str, str], Any] = {}
        self.words: dict[tuple[str, str], str] = {}  # (description, reply) -> the words search indexes
        self.numbers: dict[tuple[str, str], int] = defaultdict(int)

    def _decide(self, category: str, region: str, wot: str) -> Any:
        key = (category, region, wot)
        if key not in self.decisions:
            try:
                self.decisions[key] = resolve(Facts(category, region, wot), self.snap)
            except RoutingDataError:
                self.decisions[key] = None
        return self.decisions[key]

    def _created_at(self) -> datetime:
        day = self.now - timedelta(days=self.rnd.randrange(365))
        local = day.astimezone(ZONE).replace(hour=self.rnd.choices(range(24), HOURS)[0],
                                             minute=self.rnd.randrange(60), second=self.rnd.randrange(60))
        return min(local.astimezone(UTC), self.now - timedelta(minutes=1))

    def cases(self, n: int, next_ids: dict[str, int]) -> Iterator[dict[str, list[tuple]]]:
        out: dict[str, list[tuple]] = {t: [] for t in TABLES}
        made = 0
        while made < n:
            category = self.rnd.choices(self.categories, cum_weights=self.category_weights)[0]
            region = self.rnd.choices(self.communities, cum_weights=self.community_weights)[0]
            wot = self.rnd.choices(list(TYPES), list(TYPES.values()))[0]
            decision = self._decide(category, region, wot)
            if decision is None:
                continue
            created = self._created_at()
            template = _template_for(self.now - created, self.by_name, self.rnd)
            self._clone(template, category, region, wot, decision, created, next_ids, out)
            made += 1
            if made % BATCH == 0:
                yield out
                out = {t: [] for t in TABLES}
        if out["cases"]:
            yield out

    def _clone(self, template: Template, category: str, region: str, wot: str, decision: Any, created: datetime,
               next_ids: dict[str, int], out: dict[str, list[tuple]]) -> None:
        src = self.rows[template.case_id]
        base = src["cases"][0]
        delta = created - (base["created_at"] if isinstance(base["created_at"], datetime)
                           else datetime.fromisoformat(base["created_at"]).replace(tzinfo=UTC))
        case_id = next_ids["cases"] = next_ids["cases"] + 1
        lead = decision.lead.id
        units = {template.lead_unit_id: lead}
        day = created.astimezone(ZONE).strftime("%Y%m%d")
        self.numbers[(region[:6], day)] += 1
        phone, phone_hash = self.rnd.choice(self.phones)
        texts = self.examples.get(category)
        row = dict(base)
        description = self.rnd.choice(texts) if texts else base["description"]
        row.update(id=case_id, number=f"{region[:6]}-{day}-{self.numbers[(region[:6], day)]:06d}",
                   category_code=category, region_code=region, district_code=region[:6], work_order_type=wot,
                   description=description, search_text=self._words(description, base.get("reply")), caller_phone=phone,
                   caller_phone_hash=phone_hash, lead_unit_id=lead, address=None,
                   handling_class=decision.handling_class)
        self._emit("cases", row, delta, out)
        place = {"region_code": region, "district_code": region[:6]}
        for a in src["assignments"]:
            self._emit("assignments", {**a, "id": self._next(next_ids, "assignments"), "case_id": case_id,
                                       "unit_id": units.get(a["unit_id"], a["unit_id"]), **place}, delta, out)
            if a["role"] == "lead":
                lead_row = a
        open_case = base["status"] in ("dispatched", "signed", "in_progress")
        for co in decision.co_handlers:
            self._emit("assignments", {**lead_row, "id": self._next(next_ids, "assignments"), "case_id": case_id,
                                       "unit_id": co.id, "role": "co",
                                       "status": "dispatched" if open_case else "contributed"}, delta, out)
        dispatch = {**decision_data(decision), "lead_unit_id": lead,
                    "co_unit_ids": [u.id for u in decision.co_handlers]}
        pattern = re.compile(rf'("(?:lead_)?unit_id": ){template.lead_unit_id}\b')
        for e in src["case_events"]:
            data = e["data"]
            if e["type"] == "dispatch":
                old = json.loads(data)
                data = json.dumps({**old, **dispatch}, ensure_ascii=False)
            elif str(template.lead_unit_id) in data:
                data = pattern.sub(rf"\g<1>{lead}", data)
            self._emit("case_events", {**e, "id": self._next(next_ids, "case_events"), "case_id": case_id,
                                       "actor_unit_id": units.get(e["actor_unit_id"], e["actor_unit_id"]),
                                       "data": data}, delta, out)
        for c in src["case_callbacks"]:
            self._emit("case_callbacks", {**c, "id": self._next(next_ids, "case_callbacks"), "case_id": case_id,
                                          "unit_id": units.get(c["unit_id"], c["unit_id"]), **place}, delta, out)

    def _words(self, description: str, reply: Any) -> str:
        """The case's search words as the application cuts them (app/cases/search.py), each text cut once."""
        reply_text = ((json.loads(reply) if isinstance(reply, str) else reply) or {}).get("text") or ""
        key = (description, reply_text)
        if key not in self.words:
            self.words[key] = index_terms(" ".join(x for x in (description, reply_text) if x))
        return self.words[key]

    @staticmethod
    def _next(next_ids: dict[str, int], table: str) -> int:
        next_ids[table] += 1
        return next_ids[table]

    def _emit(self, table: str, row: dict, delta: timedelta, out: dict[str, list[tuple]]) -> None:
        for name in self.raw.datetimes[table]:
            row[name] = self.raw.shift(row[name], delta)
        out[table].append(tuple(row[c] for c in self.raw.columns[table]))


async def _setup(url: str, data_dir: Path, now: datetime) -> tuple[Any, str, Rows, Generator, dict[str, int]]:
    """Templates driven through the app, a connection, and a generator ready to clone them after the stored ids."""
    settings = settings_for(url, data_dir)
    clock = FrozenClock(now)
    app = create_app(settings, clock=clock, run_worker=False)
    dialect = "postgresql" if url.startswith("postgresql") else "sqlite"
    async with app.router.lifespan_context(app):
        templates = await make_templates(app, clock, now - timedelta(days=400))
        async with app.state.sessionmaker() as session:
            snap = await routing.snapshot(app.state, session)
    clock.set(now)
    if dialect == "postgresql":
        conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    else:
        conn = sqlite3.connect(url.split("///", 1)[1])
    raw = Rows(dialect)
    rows = await _template_rows(conn, dialect, templates)
    next_ids = await _max_ids(conn, dialect)
    gen = Generator(snap, templates, rows, raw, now, settings)
    gen.numbers.update(await _counters(conn, dialect))
    return conn, dialect, raw, gen, next_ids


async def _close(conn: Any, dialect: str) -> None:
    await conn.close() if dialect == "postgresql" else conn.close()


async def generate(url: str, data_dir: Path, n: int, now: datetime, log=print) -> dict[str, int]:
    """Adds n cases (with their rows) to the migrated, seeded database at `url`; returns row counts."""
    conn, dialect, raw, gen, next_ids = await _setup(url, data_dir, now)
    try:
        counts = dict.fromkeys(TABLES, 0)
        rebuild = await _bulk_mode(conn) if dialect == "postgresql" and n >= BULK else []
        for batch in gen.cases(n, next_ids):
            await _write(conn, dialect, raw, batch)
            for t in TABLES:
                counts[t] += len(batch[t])
            if counts["cases"] % 100_000 == 0:
                log(f"  generated {counts['cases']:,} cases")
        if rebuild:
            log(f"  rebuilding {len(rebuild)} indexes")
            await _end_bulk_mode(conn, rebuild)
        await _finish(conn, dialect, gen.numbers)
    finally:
        await _close(conn, dialect)
    return counts


async def stream(url: str, data_dir: Path, n: int, now: datetime) -> AsyncIterator[tuple[Rows, dict[str, list]]]:
    """The batches `generate` would write for n cases, without writing them (ids continue after the stored ones,
    so the rows look as they would once stored). Each batch is {table: [row tuples in column order]}."""
    conn, dialect, raw, gen, next_ids = await _setup(url, data_dir, now)
    await _close(conn, dialect)
    for batch in gen.cases(n, next_ids):
        yield raw, batch


async def _bulk_mode(conn: asyncpg.Connection) -> list[str]:
    """A large load goes in without secondary indexes or foreign-key triggers (rows are consistent by
    construction); returns the index definitions to rebuild afterwards."""
    found = await conn.fetch(
        "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY($1::text[]) AND indexname NOT IN "
        "(SELECT conname FROM pg_constraint)", list(TABLES))
    for row in found:
        await conn.execute(f'DROP INDEX "{row["indexname"]}"')
    for t in TABLES:
        await conn.execute(f"ALTER TABLE {t} DISABLE TRIGGER ALL")
    return [row["indexdef"] for row in found]


async def _end_bulk_mode(conn: asyncpg.Connection, indexes: list[str]) -> None:
    for t in TABLES:
        await conn.execute(f"ALTER TABLE {t} ENABLE TRIGGER ALL")
    for definition in indexes:
        await conn.execute(definition)


async def _counters(conn: Any, dialect: str) -> dict[tuple[str, str], int]:
    sql = "SELECT district_code, day, last FROM case_number_counters"
    found = await conn.fetch(sql) if dialect == "postgresql" else conn.execute(sql).fetchall()
    return {(d, day): last for d, day, last in found}


async def _write(conn: Any, dialect: str, raw: Rows, batch: dict[str, list[tuple]]) -> None:
    if dialect == "postgresql":
        async with conn.transaction():
            for t in TABLES:
                if batch[t]:
                    await conn.copy_records_to_table(t, records=batch[t], columns=raw.columns[t])
        return
    with conn:
        for t in TABLES:
            if batch[t]:
                cols = raw.columns[t]
                conn.executemany(f"INSERT INTO {t} ({','.join(cols)}) VALUES ({','.join('?' * len(cols))})",
                                 batch[t])


async def _finish(conn: Any, dialect: str, numbers: dict[tuple[str, str], int]) -> None:
    """Numbers the app will hand out next continue after the generated ones; statistics refreshed."""
    upsert = ("INSERT INTO case_number_counters (district_code, day, last) VALUES ({}) "
              "ON CONFLICT (district_code, day) DO UPDATE SET last = excluded.last")
    values = [(d, day, last) for (d, day), last in numbers.items()]
    if dialect == "postgresql":
        await conn.executemany(upsert.format("$1, $2, $3"), values)
        for t in TABLES:
            await conn.execute(f"SELECT setval(pg_get_serial_sequence('{t}', 'id'), (SELECT MAX(id) FROM {t}))")
        await conn.execute("VACUUM ANALYZE")
    else:
        with conn:
            conn.executemany(upsert.format("?, ?, ?"), values)
        conn.execute("ANALYZE")


__all__ = ["generate", "stream", "ROOT"]
