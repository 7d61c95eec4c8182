"""The scenarios: each measures the API through HTTP and a ceiling on the same machine in the same run."""

import random
import statistics
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any
from urllib.parse import quote

import httpx
from httpx import ASGITransport, AsyncClient

from app.core.clock import SystemClock
from app.core.pagination import encode_cursor
from app.core.segment import words
from app.hotline.classifier import Classifier, load_examples, split
from app.hotline.emergency import assess
from app.hotline.service import emergency_lexicon
from app.main import create_app
from app.regions import service as resolution
from app.routing import service as routing
from app.routing.rules import Facts, category_chain, region_chain, resolve
from bench.kit import load
from bench.kit.capture import Capture, Recorder, raw_rate_pg
from bench.kit.floor_read import FloorServer
from bench.kit.generate import TYPES, ZONE, settings_for


@dataclass
class Row:
    scenario: str
    scale: str
    figure: str  # what was measured, with its unit
    ceiling: str = ""
    ratio: float | None = None
    target: str = ""
    met: bool | None = None
    note: str = ""


@dataclass
class Config:
    seconds: float = 8
    runs: int = 3
    warmup: float = 2
    connections: int = 16
    samples: int = 200  # sequential requests for the single-request latencies
    deep_page: int = 1000  # the queue page compared with page 1
    # SQLite has one writer: 16 connections only queue in its busy handler (measured: no intake finished
    # within 8 s windows), so its intake runs at 4.
    sqlite_connections: int = 4


@dataclass
class World:
    """What the scenarios need to know about the database under test."""

    url: str
    data_dir: Path
    base_url: str
    headers: dict[str, dict[str, str]]
    busy_unit: int  # the unit with the most active assignments (its queue)
    busy_lead: int  # the unit leading the most cases (its figures)
    communities: list[tuple[str, str]]  # (code, address words that resolve to it)
    case_ids: list[int] = field(default_factory=list)


def ms(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def fmt_rate(r: load.Result) -> str:
    return f"{r.rate:,.0f} req/s, p50 {r.p50_ms:.1f} ms, p99 {r.p99_ms:.1f} ms, errors {r.errors}"


# ---------------------------------------------------------------- in-process capture of one request's SQL

async def capture(world: World, method: str, path: str, headers: dict[str, str], body: Any = None) -> Capture:
    app = create_app(settings_for(world.url, world.data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app):
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
            await client.request(method, path, headers=headers, json=body)  # warm the caches first
            key = f"capture-{time.time_ns()}" if body is not None else None
            if key:
                headers = {**headers, "Idempotency-Key": key}
            with Recorder(app.state.engine) as rec:
                r = await client.request(method, path, headers=headers, json=body)
            assert r.status_code < 300, r.text
    return Capture(rec.statements, app.state.engine.dialect.name, key)


# ---------------------------------------------------------------- case read

async def case_read(world: World, cfg: Config, scale: str, dsn: str, workers: int) -> list[Row]:
    rnd = random.Random(5)
    ids = rnd.sample(world.case_ids, min(2000, len(world.case_ids)))
    entries = [(f"/cases/{i}", None) for i in ids]
    admin = world.headers["admin"]
    flat = load.median_of(world.base_url, entries, headers=admin, connections=cfg.connections,
                          seconds=cfg.seconds, runs=cfg.runs, warmup=cfg.warmup)
    half = load.median_of(world.base_url, entries, headers=admin, connections=cfg.connections,
                          seconds=cfg.seconds, runs=cfg.runs, warmup=0, rate=max(1.0, flat.rate / 2))
    cap = await capture(world, "GET", f"/cases/{ids[0]}", admin)
    raws = [await raw_rate_pg(dsn, cap, concurrency=cfg.connections, seconds=cfg.seconds,
                              swap={ids[0]: lambda: rnd.choice(ids)}) for _ in range(cfg.runs)]
    raw_rate = statistics.median(r for r, _ in raws)
    with FloorServer(dsn, cap, ids[0], workers=workers) as floor_server:
        floor = load.median_of(floor_server.url, entries, headers=admin, connections=cfg.connections,
                               seconds=cfg.seconds, runs=cfg.runs, warmup=cfg.warmup)
    single = sequential(world, [p for p, _ in entries], admin, cfg.samples)
    return [
        Row("GET /cases/{id}, one at a time", scale, f"p50 {ms(single, .5):.1f} ms, p99 {ms(single, .99):.1f} ms"),
        Row("GET /cases/{id}, flat out", scale, fmt_rate(flat),
            f"raw asyncpg fetch of the same {len(cap.statements)} statements: {raw_rate:,.0f}/s", flat.rate / raw_rate,
            "≥ 0.40", flat.rate / raw_rate >= 0.40),
        Row("GET /cases/{id} at half load", scale, fmt_rate(half), target="p99 < 20 ms", met=half.p99_ms < 20),
        Row("GET /cases/{id}, floor of the stack", scale, fmt_rate(floor),
            f"FastAPI and asyncpg running the same {len(cap.statements)} statements ({workers} workers) ÷ the raw "
            f"fetch: the most the ratio above can reach", floor.rate / raw_rate,
            note="bench/kit/floor_read.py"),
    ]


# ---------------------------------------------------------------- single-request latencies (queue, metrics)

def sequential(world: World, path: str | list[str], headers: dict[str, str], n: int) -> list[float]:
    """Latencies (ms) of n requests one after another: the cost of one request on an idle server."""
    paths = [path] if isinstance(path, str) else path
    out = []
    with httpx.Client(base_url=world.base_url, headers=headers, timeout=60) as client:
        for i in range(n + 5):
            t = time.perf_counter()
            r = client.get(paths[i % len(paths)])
            took = (time.perf_counter() - t) * 1000
            r.raise_for_status()
            if i >= 5:  # the first few warm the caches
                out.append(took)
    return out


async def queue_cursor(dsn: str, unit_id: int, page: int, limit: int) -> str | None:
    """The keyset cursor a client holds after reading `page - 1` pages of the unit's due-ordered queue."""
    import asyncpg

    if page == 1:
        return None
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow(
            "SELECT c.handle_due, c.id FROM cases c WHERE c.handle_due IS NOT NULL AND EXISTS (SELECT 1 FROM "
            "assignments a WHERE a.case_id = c.id AND a.unit_id = $1 AND a.active) ORDER BY c.handle_due, c.id "
            "OFFSET $2 LIMIT 1", unit_id, (page - 1) * limit - 1)
    finally:
        await conn.close()
    return encode_cursor(["d", row["handle_due"].astimezone(UTC).isoformat(), row["id"]]) if row else None


async def queue(world: World, cfg: Config, scale: str, dsn: str) -> list[Row]:
    staff = world.headers["staff"]
    deep = cfg.deep_page
    cursor = await queue_cursor(dsn, world.busy_unit, deep, 20)
    first = sequential(world, "/cases?limit=20", staff, cfg.samples)
    rows = [Row("unit queue, page 1", scale, f"p50 {ms(first, .5):.1f} ms, p99 {ms(first, .99):.1f} ms")]
    if cursor is None:
        rows.append(Row(f"unit queue, page {deep}", scale, "the queue is shorter than that", note="skipped"))
        return rows
    far = sequential(world, f"/cases?limit=20&cursor={cursor}", staff, cfg.samples)
    ratio = ms(far, .5) / ms(first, .5)
    rows.append(Row(f"unit queue, page {deep} (keyset)", scale,
                    f"p50 {ms(far, .5):.1f} ms, p99 {ms(far, .99):.1f} ms", "page 1 (p50)", ratio,
                    "≤ 1.5", ratio <= 1.5))
    return rows


# What agents type into the search box: one word, two words, a word few cases have.
SEARCH_WORDS = ("噪音", "漏水 楼上", "油烟", "路灯", "占道经营")


async def search(world: World, cfg: Config, scale: str, dsn: str) -> list[Row]:
    """Finding a case (#27.1): by its number, by words over the whole city (the centre's scope) and within a
    unit's scope, and a search with its total counted."""
    numbers = [r[0] for r in await _fetch(dsn, "SELECT number FROM cases ORDER BY random() LIMIT 50")]
    admin, staff, n = world.headers["admin"], world.headers["staff"], max(20, cfg.samples // 2)
    by_number = sequential(world, [f"/cases?number={x}" for x in numbers], admin, n)
    words = [f"/cases?q={quote(w)}&limit=20" for w in SEARCH_WORDS]
    city = sequential(world, words, admin, n)
    unit = sequential(world, words, staff, n)
    counted = sequential(world, [f"{w}&count=true" for w in words], admin, n)
    async with httpx.AsyncClient(base_url=world.base_url, headers=admin, timeout=60) as client:
        totals = [(await client.get(f"{w}&count=true")).json()["total"] for w in words]
    matched = ", ".join(f"{w} {t['value']:,}{'' if t['exact'] else ' (estimate)'}"
                        for w, t in zip(SEARCH_WORDS, totals, strict=True))
    rows = [Row("search: what the words match (city scope)", scale, matched)]
    for title, found in (("find a case by its number", by_number), ("search by words, the whole city", city),
                         ("search by words, a unit's scope", unit),
                         ("search by words with the total (count=true)", counted)):
        rows.append(Row(title, scale, f"p50 {ms(found, .5):.1f} ms, p99 {ms(found, .99):.1f} ms",
                        target="p50 < 100 ms", met=ms(found, .5) < 100))
    return rows


async def _fetch(dsn: str, sql: str) -> list:
    import asyncpg

    conn = await asyncpg.connect(dsn)
    try:
        return list(await conn.fetch(sql))
    finally:
        await conn.close()


def last_full_month(now: datetime) -> str:
    """The month before the current local one (YYYY-MM): a whole month of generated orders."""
    first = now.astimezone(ZONE).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


async def metrics(world: World, cfg: Config, scale: str, large: bool) -> list[Row]:
    """The figures of a whole month, from the daily rollups (rebuilt after each load: the generator writes past the
    application, which keeps them in each change's transaction)."""
    month = last_full_month(datetime.now(UTC))
    admin, n = world.headers["admin"], max(5, cfg.samples // 4)
    unit = sequential(world, f"/metrics/units/{world.busy_lead}?month={month}", admin, n)
    overview = sequential(world, f"/metrics/overview?region=440304000000&month={month}", admin, n)
    city = sequential(world, f"/metrics/overview?region=440300000000&month={month}", admin, n)
    series = sequential(world, "/metrics/overview/trend?region=440304000000", admin, n)
    rows = []
    for title, found in (("metrics: a unit's month", unit), ("metrics: district overview, a month", overview),
                         ("metrics: city-wide month", city), ("metrics: a district's 12-month series", series)):
        rows.append(Row(title, scale, f"p50 {ms(found, .5):.1f} ms, p99 {ms(found, .99):.1f} ms",
                        target="< 100 ms at 1M" if large else "", met=ms(found, .5) < 100 if large else None))
    return rows


# ---------------------------------------------------------------- pure: routing and classification

async def pure(world: World, seconds: float) -> list[Row]:
    app = create_app(settings_for(world.url, world.data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        snap = await routing.snapshot(app.state, session)
    leaves = sorted(routing.leaf_codes(snap))
    rnd = random.Random(3)
    facts = [Facts(rnd.choice(leaves), rnd.choice(world.communities)[0], rnd.choice(list(TYPES)))
             for _ in range(5000)]

    def rate(fn) -> float:
        n, stop = 0, time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < stop:
            for f in facts[:500]:
                fn(f)
            n += 500
        return n / (time.perf_counter() - started)

    resolver = rate(lambda f: resolve(f, snap))
    chains = rate(lambda f: (region_chain(snap, f.region_code), category_chain(snap, f.category_code)))
    train, test = split(load_examples(settings_for(world.url, world.data_dir).seed_dir))
    model = Classifier(train)
    texts = [e.text for e in test]

    def text_rate(fn) -> float:
        n, stop = 0, time.perf_counter() + seconds
        started = time.perf_counter()
        while time.perf_counter() < stop:
            for i, t in enumerate(texts):
                fn(f"{t} {n + i}")  # a new string each time: no memoised answers
            n += len(texts)
        return n / (time.perf_counter() - started)

    words.cache_clear()
    classified = text_rate(model.suggest)
    segmented = text_rate(words)
    lexicon = emergency_lexicon(str(settings_for(world.url, world.data_dir).seed_dir))
    recognised = text_rate(lambda t: assess(t, None, lexicon))
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        gazetteer = await resolution.gazetteer(app.state, session)
    addresses = [address for _, address in world.communities]
    placed = rate_of(lambda i: gazetteer.resolve(f"{addresses[i % len(addresses)]}{i}号"), seconds)
    parts = {"classification": 1000 / classified, "emergency recogniser": 1000 / recognised,
             "address": 1000 / placed, "routing": 1000 / resolver}
    return [
        Row("routing: the pure resolver", "", f"{resolver:,.0f} resolutions/s",
            f"walking the region and category chains alone: {chains:,.0f}/s", resolver / chains),
        Row("classification: top 3 with reasons", "", f"{classified:,.0f} texts/s",
            f"jieba segmentation alone: {segmented:,.0f}/s", classified / segmented),
        Row("emergency recogniser (lexicon, cues and the learned second opinion)", "",
            f"{recognised:,.0f} texts/s"),
        Row("address resolution: the gazetteer", "", f"{placed:,.0f} addresses/s"),
        Row("an intake's pure work, CPU (one text classified and recognised, one address placed, one routing)", "",
            f"{sum(parts.values()):.2f} ms", ", ".join(f"{k} {v:.3f} ms" for k, v in parts.items()),
            note="with the stack's floor below, what the CPU target must hold"),
    ]


def rate_of(fn: Any, seconds: float) -> float:
    """Calls of fn(i) a second, i counting up (a new argument each time: no memoised answers)."""
    n, stop = 0, time.perf_counter() + seconds
    started = time.perf_counter()
    while time.perf_counter() < stop:
        for i in range(n, n + 200):
            fn(i)
        n += 200
    return n / (time.perf_counter() - started)


# ---------------------------------------------------------------- plans of the hot queries

async def explain(world: World, dsn: str, title: str, path: str, headers: dict[str, str]) -> str:
    """EXPLAIN ANALYZE of every SELECT a request sends (as captured), for the report."""
    import asyncpg

    cap = await capture(world, "GET", path, headers)
    conn = await asyncpg.connect(dsn)
    parts = [f"### {title}\n\n`GET {path.split('?')[0]}`\n"]
    try:
        for s in cap.statements:
            if not s.sql.lstrip().upper().startswith("SELECT") or s.many:
                continue
            plan = await conn.fetch("EXPLAIN (ANALYZE, BUFFERS) " + s.sql, *s.params)
            sql = " ".join(s.sql.split())
            parts.append(f"```sql\n{sql[:600]}{' …' if len(sql) > 600 else ''}\n```\n```\n"
                         + "\n".join(r[0] for r in plan) + "\n```\n")
    finally:
        await conn.close()
    return "\n".join(parts)
