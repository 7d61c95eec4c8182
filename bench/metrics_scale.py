"""Performance figures at city scale: a city-wide month and a district's 12-month series, from the rollups.

    .venv/bin/python bench/metrics_scale.py                          # 1 M stored cases, then 10 M synthesised
    .venv/bin/python bench/metrics_scale.py --cases 20000 --synthetic 200000 --samples 20   # a quick pass
    .venv/bin/python bench/metrics_scale.py --smoke                  # tiny sizes: checks the script

Steps, in one run on one machine:

1. PostgreSQL (fsync on, the suite's settings) is started, migrated and seeded; the kit's generator stores
   `--cases` cases (a year of orders over both districts, COPY).
2. The rollups are rebuilt from the stored rows by the application's own rebuild (timed): the generator writes
   past the application, which keeps them in each change's transaction.
3. The API server (one worker) answers, one request at a time, a city-wide month (`/metrics/overview`), a
   district's 12-month series (`/metrics/overview/trend`), a unit's month, the unit ranking and the Excel form of
   the city's month. Each is compared with its own SQL run raw on asyncpg (captured from one in-process request and
   replayed, one statement after another): the database's share, measured in the same run.
4. `--synthetic` cases (default 10 M), more than this machine stores in reasonable time: the stored cases'
   rollups are scaled (every counter × synthetic ÷ stored) and filled to every row possible (every unit and
   every street on every day of the span; a pair the stored rollups lack gets the unit's or street's mean per
   day): the most rows any number of cases can give these units and streets. With `--streamed`, the generator
   instead produces that many cases in memory exactly as it would store them, and each goes through the same
   `facts.contribution` (exact rows, but at the generator's pace). Either way no case is stored, nor its
   contribution (metric_case_facts): the endpoints read only the rollup tables (and the units and regions that
   name their keys). Step 3 is repeated; the report marks these rows synthetic.

Nothing asserts a timing; targets are printed as met or not. The table is written to --out.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from bench.kit import rollups  # noqa: E402
from bench.kit.accounts import login, make_users  # noqa: E402
from bench.kit.capture import Capture  # noqa: E402
from bench.kit.generate import generate  # noqa: E402
from bench.kit.report import write_report  # noqa: E402
from bench.kit.scenarios import Row, World, capture, ms, sequential  # noqa: E402
from bench.kit.servers import AppServer, start_postgres  # noqa: E402
from bench.run import fetch, log, machine, prepare  # noqa: E402

CITY, DISTRICT = "440300000000", "440304000000"
ZONE = ZoneInfo("Asia/Shanghai")


def last_full_month(now: datetime) -> str:
    first = now.astimezone(ZONE).date().replace(day=1)
    return (first - timedelta(days=1)).strftime("%Y-%m")


async def raw_latencies(dsn: str, cap: Capture, samples: int) -> list[float]:
    """The request's SELECTs run raw on one asyncpg connection, one after another: ms per request."""
    selects = [s for s in cap.statements if s.sql.lstrip().upper().startswith("SELECT") and not s.many]
    conn = await asyncpg.connect(dsn)
    out = []
    try:
        for i in range(samples + 3):
            started = time.perf_counter()
            for s in selects:
                await conn.fetch(s.sql, *s.params)
            if i >= 3:
                out.append((time.perf_counter() - started) * 1000)
    finally:
        await conn.close()
    return out


async def measure(world: World, dsn: str, scale: str, samples: int, month: str, targets: dict[str, float],
                  note: str = "") -> list[Row]:
    admin = world.headers["admin"]
    requests = [
        ("metrics: city-wide month", f"/metrics/overview?region={CITY}&month={month}"),
        ("metrics: a district's 12-month series (monthly and weekly)", f"/metrics/overview/trend?region={DISTRICT}"),
        ("metrics: a unit's month", f"/metrics/units/{world.busy_lead}?month={month}"),
        ("metrics: units ranked, city-wide month", f"/metrics/rankings?rate=on_time_handling&region={CITY}"
                                                   f"&month={month}&limit=500"),
        ("metrics: the form (Excel), city-wide month", f"/metrics/export?format=xlsx&region={CITY}&month={month}"),
    ]
    rows = []
    for title, path in requests:
        api = sequential(world, path, admin, samples)
        cap = await capture(world, "GET", path, admin)
        raw = await raw_latencies(dsn, cap, samples)
        selects = sum(1 for s in cap.statements if s.sql.lstrip().upper().startswith("SELECT"))
        target = targets.get(title)
        rows.append(Row(title, scale, f"p50 {ms(api, .5):.1f} ms, p99 {ms(api, .99):.1f} ms",
                        f"its {selects} SELECTs raw on asyncpg: p50 {statistics.median(raw):.2f} ms",
                        ms(api, .5) / max(statistics.median(raw), 0.001),
                        f"p50 < {target:.0f} ms" if target else "", ms(api, .5) < target if target else None,
                        note))
    return rows


async def rollup_sizes(url: str) -> tuple[int, int]:
    units = (await fetch(url, "SELECT COUNT(*) FROM metric_unit_days"))[0][0]
    streets = (await fetch(url, "SELECT COUNT(*) FROM metric_region_days"))[0][0]
    return units, streets


async def main_async(args: argparse.Namespace) -> tuple[list[Row], list[str]]:
    rows: list[Row] = []
    plans: list[str] = []
    pg = start_postgres()
    server = None
    try:
        conn = await asyncpg.connect(pg.url().replace("+asyncpg", ""))
        await conn.execute("CREATE DATABASE bench")
        await conn.close()
        url, dsn = pg.url("bench"), pg.url("bench").replace("+asyncpg", "")
        data_dir = Path(tempfile.mkdtemp(prefix="csc-bench-metrics-"))
        await prepare(url, data_dir)
        now = datetime.now(UTC)
        month = last_full_month(now)
        started = time.perf_counter()
        counts = await generate(url, data_dir, args.cases, now, log=log)
        log(f"stored {args.cases:,} cases ({counts}) in {time.perf_counter() - started:.0f} s")
        rebuilt = await rollups.rebuild(url, data_dir, now)
        scale = f"{args.cases:,}"
        log(rebuilt.report(rebuilt=True))
        rows.append(Row("rollups rebuilt from the stored rows (app/metrics/commands.py)", scale,
                        f"{rebuilt.cases:,} cases in {rebuilt.seconds:.1f} s ({rebuilt.cases / rebuilt.seconds:,.0f} "
                        f"cases/s): {rebuilt.unit_rows:,} unit-day and {rebuilt.street_rows:,} street-day rows"))
        server = AppServer(url, data_dir).start()
        busy = (await fetch(url, "SELECT unit_id FROM metric_unit_days GROUP BY unit_id ORDER BY SUM(taken) DESC "
                                 "LIMIT 1"))[0][0]
        users = await make_users(url, data_dir, busy_unit=busy, agent_unit=None, tag="metrics")
        world = World(url=url, data_dir=data_dir, base_url=server.url, headers=login(server.url, users),
                      busy_unit=busy, busy_lead=busy, communities=[])
        rows += await measure(world, dsn, scale, args.samples, month,
                              {"metrics: city-wide month": 100} if args.cases >= 1_000_000 else {})
        log(f"measured at {scale} stored cases")
        if args.synthetic:
            if args.streamed:
                made = await rollups.synthesise(url, data_dir, args.synthetic, now, log=log)
                units, streets = await rollup_sizes(url)
                scale = f"{made.cases:,} (synthetic)"
                rows.append(Row("rollups synthesised from the generator's rows (not stored)", scale,
                                f"{made.cases:,} cases streamed in {made.seconds:.0f} s "
                                f"({made.cases / made.seconds:,.0f} cases/s): {units:,} unit-day and {streets:,} "
                                f"street-day rows, {made.first_day} to {made.last_day}",
                                note="no case stored; the endpoints read only the rollups"))
                size = made.cases
            else:
                factor = args.synthetic / rebuilt.cases
                dense = await rollups.scale_dense(url, factor)
                scale = f"{args.synthetic:,} (synthetic)"
                rows.append(Row("rollups of the stored cases scaled and filled to every row", scale,
                                f"counters ×{factor:.1f}; {dense.stored_unit_rows:,} → {dense.unit_rows:,} unit-day "
                                f"and {dense.stored_street_rows:,} → {dense.street_rows:,} street-day rows (every unit "
                                f"and street, every day {dense.first_day} to {dense.last_day})",
                                note="no case stored; the endpoints read only the rollups"))
                size = args.synthetic
            big = size >= 10_000_000
            rows += await measure(world, dsn, scale, args.samples, month,
                                  {"metrics: city-wide month": 200,
                                   "metrics: a district's 12-month series (monthly and weekly)": 100} if big else {},
                                  note="synthetic rollups")
            log(f"measured at {scale}")
        if args.intake_samples:
            cost = await rollups.intake_cost(url, data_dir, args.intake_samples)
            rows.append(Row("intake POST /cases, with the rollups kept in its transaction", f"{args.cases:,}",
                            f"p50 {cost.with_rollups_ms:.1f} ms",
                            f"the same requests with the commit hook's work off: p50 {cost.without_ms:.1f} ms",
                            cost.with_rollups_ms / cost.without_ms,
                            note=f"in-process, one at a time, {cost.samples} each, alternating rounds"))
            log("intake cost measured")
        for title, path in (("The city-wide month", f"/metrics/overview?region={CITY}&month={month}"),
                            ("A district's 12-month series", f"/metrics/overview/trend?region={DISTRICT}")):
            plans.append(await explain(world, dsn, title, path))
    finally:
        if server:
            server.stop()
        pg.stop()
    return rows, plans


async def explain(world: World, dsn: str, title: str, path: str) -> str:
    from bench.kit.scenarios import explain as suite_explain

    return await suite_explain(world, dsn, title, path, world.headers["admin"])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=1_000_000, help="cases stored and rebuilt into rollups")
    parser.add_argument("--synthetic", type=int, default=10_000_000, help="cases whose rollups are synthesised "
                                                                           "(0: none)")
    parser.add_argument("--streamed", action="store_true",
                        help="synthesise by streaming --synthetic cases through the generator (exact rows; slow) "
                             "instead of scaling the stored cases' rollups and filling every row")
    parser.add_argument("--samples", type=int, default=60, help="sequential requests per figure")
    parser.add_argument("--intake-samples", type=int, default=200,
                        help="intakes with and without the rollups' work, each (0: skip)")
    parser.add_argument("--smoke", action="store_true", help="tiny sizes: checks the script")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS-metrics.md"))
    args = parser.parse_args()
    if args.smoke:
        args.cases, args.synthetic, args.samples, args.intake_samples = 600, 1200, 5, 8
    command = " ".join(["python", "bench/metrics_scale.py", *sys.argv[1:]])
    started = time.perf_counter()
    rows, plans = asyncio.run(main_async(args))
    text = write_report(Path(args.out), rows, plans, command=command, machine=machine(),
                        minutes=(time.perf_counter() - started) / 60)
    print(text)


if __name__ == "__main__":
    main()

