"""The performance rollups of a benchmark database: rebuilt from its stored rows, or synthesised at a size the
machine cannot store.

The generator writes cases with COPY, past the application, so the rollups the application keeps in each change's
transaction are empty after a load; `rebuild` runs the application's own rebuild (app/metrics/commands.py: every
stored case through `facts.contribution`) and is timed.

`synthesise` answers "what would the figures' queries cost over n cases" when n cases cannot be stored here: the
kit's generator produces the rows of n cases exactly as `generate` would (same templates, routing, Zipf draws and
spread over a year), in memory; each case's rows go through the same `facts.contribution`, and the sums replace the
two rollup tables. The cases themselves, and their stored contributions (metric_case_facts), are not written: the
figures' endpoints read only the rollup tables (and the units and regions tables that name their keys), so their
cost depends on the rollup rows alone.
"""

import statistics
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import asyncpg

from app.metrics import commands
from app.metrics import facts as f
from bench.kit.generate import TABLES, settings_for, stream


async def rebuild(url: str, data_dir: Path, now: datetime) -> commands.Outcome:
    return await commands.run(settings_for(url, data_dir), rebuild=True, now=now)


def _dt(value: Any) -> datetime | None:
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(value).replace(tzinfo=UTC)  # SQLite's naive UTC text


def case_rows(columns: dict[str, list[str]], batch: dict[str, list[tuple]]) -> list[f.CaseRows]:
    """The generator's row tuples as `facts.contribution` takes them."""
    at = {t: {c: i for i, c in enumerate(columns[t])} for t in TABLES}
    a, cb, ev, c = at["assignments"], at["case_callbacks"], at["case_events"], at["cases"]
    leads: dict[int, list[f.LeadRow]] = defaultdict(list)
    for r in batch["assignments"]:
        if r[a["role"]] == "lead":
            leads[r[a["case_id"]]].append(f.LeadRow(r[a["id"]], r[a["unit_id"]], _dt(r[a["dispatched_at"]]),
                                                    _dt(r[a["sign_due"]]), _dt(r[a["signed_at"]]),
                                                    _dt(r[a["finished_at"]])))
    callbacks: dict[int, list[f.CallbackRow]] = defaultdict(list)
    for r in batch["case_callbacks"]:
        if r[cb["counted"]]:
            callbacks[r[cb["case_id"]]].append(f.CallbackRow(_dt(r[cb["at"]]), r[cb["unit_id"]], r[cb["solved"]],
                                                             r[cb["satisfaction"]], r[cb["outcome"]]))
    events: dict[int, list[f.EventRow]] = defaultdict(list)
    for r in batch["case_events"]:
        if r[ev["type"]] in f.EVENT_TYPES:
            events[r[ev["case_id"]]].append(f.EventRow(r[ev["type"]], _dt(r[ev["at"]]), r[ev["actor_unit_id"]]))
    out = []
    for r in batch["cases"]:
        cid = r[c["id"]]
        row = f.CaseRow(id=cid, created_at=_dt(r[c["created_at"]]), region_code=r[c["region_code"]],
                        lead_unit_id=r[c["lead_unit_id"]], status=r[c["status"]], close_reason=r[c["close_reason"]],
                        direct_answer=bool(r[c["direct_answer"]]), handle_due=_dt(r[c["handle_due"]]),
                        replied_at=_dt(r[c["replied_at"]]),
                        extension_days_granted=int(r[c["extension_days_granted"]] or 0))
        out.append(f.CaseRows(row, tuple(leads[cid]), tuple(callbacks[cid]), tuple(events[cid])))
    return out


@dataclass(frozen=True)
class Synthesised:
    cases: int
    unit_rows: int
    street_rows: int
    first_day: date
    last_day: date
    seconds: float


async def synthesise(url: str, data_dir: Path, n: int, now: datetime, log: Callable[[str], None] = print
                     ) -> Synthesised:
    """Replaces the rollup tables (PostgreSQL) with the sums n generated cases would give; stores no case."""
    started = time.perf_counter()
    zone = ZoneInfo(settings_for(url, data_dir).timezone)
    deltas = f.Deltas()
    made = 0
    async for raw, batch in stream(url, data_dir, n, now):
        for rows in case_rows(raw.columns, batch):
            deltas.add(f.contribution(rows, zone))
        made += len(batch["cases"])
        if made % 500_000 == 0:
            log(f"  synthesised the rollups of {made:,} cases")
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        async with conn.transaction():
            await conn.execute("TRUNCATE metric_unit_days, metric_region_days")
            await conn.copy_records_to_table(
                "metric_unit_days", columns=["unit_id", "day", *f.COUNTERS],
                records=[(u, d, *(counts.get(k, 0) for k in f.COUNTERS)) for (u, d), counts in deltas.units.items()])
            await conn.copy_records_to_table(
                "metric_region_days", columns=["street_code", "day", "district_code", *f.COUNTERS],
                records=[(s, d, s[:6], *(counts.get(k, 0) for k in f.COUNTERS))
                         for (s, d), counts in deltas.streets.items()])
        await conn.execute("ANALYZE metric_unit_days")
        await conn.execute("ANALYZE metric_region_days")
    finally:
        await conn.close()
    days = [d for _, d in deltas.streets]
    return Synthesised(made, len(deltas.units), len(deltas.streets), min(days), max(days),
                       time.perf_counter() - started)


@dataclass(frozen=True)
class Scaled:
    factor: float
    unit_rows: int
    street_rows: int
    stored_unit_rows: int
    stored_street_rows: int
    first_day: date
    last_day: date


async def scale_dense(url: str, factor: float) -> Scaled:
    """Replaces the rollup tables (PostgreSQL) with the stored ones scaled up, filled to every row possible.

    Every counter is multiplied by `factor`, and every (unit, day) pair for every unit in the units table and every
    (street, day) pair for every subdistrict, over the stored days, is given a row: a pair the stored rollups lack
    gets the unit's (or street's) mean per day times `factor` (the mean over all units or streets for one never
    seen). That is the most rows any number of cases can give these units and streets over these days, so the
    figures' queries read at least as many rows as `factor` times the stored cases would make them read.
    """
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    cols = ", ".join(f.COUNTERS)
    try:
        units = {(r[0], r[1]): list(r[2:]) for r in await conn.fetch(f"SELECT unit_id, day, {cols} FROM "
                                                                      "metric_unit_days")}
        streets = {(r[0], r[1]): list(r[2:]) for r in await conn.fetch(f"SELECT street_code, day, {cols} FROM "
                                                                        "metric_region_days")}
        all_units = [r[0] for r in await conn.fetch("SELECT id FROM units")]
        all_streets = [r[0][:9] for r in await conn.fetch("SELECT code FROM regions WHERE level = 'subdistrict'")]
        days_seen = sorted({d for _, d in streets} | {d for _, d in units})
        first, last = days_seen[0], days_seen[-1]
        span = [date.fromordinal(o) for o in range(first.toordinal(), last.toordinal() + 1)]

        def filled(stored: dict[tuple[Any, date], list[int]], keys: list[Any]) -> list[tuple]:
            totals: dict[Any, list[int]] = {}
            for (key, _), values in stored.items():
                acc = totals.setdefault(key, [0] * len(f.COUNTERS))
                for i, v in enumerate(values):
                    acc[i] += v
            overall = [sum(t[i] for t in totals.values()) / max(1, len(totals) * len(span))
                       for i in range(len(f.COUNTERS))]
            means = {k: [v / len(span) for v in t] for k, t in totals.items()}
            out = []
            for key in sorted(set(keys) | set(totals)):
                mean = means.get(key, overall)
                for day in span:
                    source = stored.get((key, day)) or mean
                    out.append((key, day, *(round(v * factor) for v in source)))
            return out

        unit_rows = filled(units, all_units)
        street_rows = [(s, d, s[:6], *rest) for s, d, *rest in filled(streets, all_streets)]
        async with conn.transaction():
            await conn.execute("TRUNCATE metric_unit_days, metric_region_days")
            await conn.copy_records_to_table("metric_unit_days", columns=["unit_id", "day", *f.COUNTERS],
                                             records=unit_rows)
            await conn.copy_records_to_table("metric_region_days",
                                             columns=["street_code", "day", "district_code", *f.COUNTERS],
                                             records=street_rows)
        await conn.execute("ANALYZE metric_unit_days")
        await conn.execute("ANALYZE metric_region_days")
    finally:
        await conn.close()
    return Scaled(factor, len(unit_rows), len(street_rows), len(units), len(streets), first, last)


@dataclass(frozen=True)
class IntakeCost:
    with_rollups_ms: float
    without_ms: float
    samples: int


async def intake_cost(url: str, data_dir: Path, samples: int, rounds: int = 4) -> IntakeCost:
    """What keeping the rollups adds to an intake (POST /cases, sequential, in-process through the ASGI app): the
    same requests with the commit hook's work on and off (`rollups.settle` replaced by a no-op), in alternating
    rounds so the host's drift falls on both; medians of the per-request times."""
    import random
    import uuid
    from datetime import timedelta

    from httpx import ASGITransport, AsyncClient

    from app.accounts.service import create_user
    from app.core.clock import SystemClock
    from app.core.security import issue_token
    from app.main import create_app
    from app.metrics import rollups as app_rollups
    from tests.factories import NOISE_CASE

    app = create_app(settings_for(url, data_dir), clock=SystemClock(), run_worker=False)
    real = app_rollups.settle
    timings: dict[bool, list[float]] = {True: [], False: []}
    rnd = random.Random(5)
    places = ["440304001020", "440304002016", "440305007003", "440304001019"]
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session:
            user = await create_user(session, app.state.settings, username=f"bench-intake-{uuid.uuid4().hex[:8]}",
                                     password="Bench#Pass2026", name="agent", role="agent", unit_id=None,
                                     now=app.state.clock.now())
            await session.commit()
        token = issue_token(app.state.keys.jwt_secret, user_id=user.id, role="agent", now=app.state.clock.now(),
                            ttl=timedelta(hours=2))
        headers = {"Authorization": f"Bearer {token}"}
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://bench") as client:
            for _ in range(5):  # warm: the classifier, the caches
                await client.post("/cases", json=NOISE_CASE, headers=headers)
            try:
                for i in range(rounds * 2):
                    on = i % 2 == 0
                    app_rollups.settle = real if on else (lambda *a, **k: f.Deltas())
                    for _ in range(samples // rounds):
                        body = {**NOISE_CASE, "region_code": rnd.choice(places)}
                        started = time.perf_counter()
                        response = await client.post("/cases", json=body, headers=headers)
                        timings[on].append((time.perf_counter() - started) * 1000)
                        assert response.status_code == 201, response.text
            finally:
                app_rollups.settle = real
    return IntakeCost(statistics.median(timings[True]), statistics.median(timings[False]), len(timings[True]))
