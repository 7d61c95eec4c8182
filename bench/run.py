"""The benchmark suite: one command, a markdown table of figures and ratios against same-run ceilings.

    .venv/bin/python bench/run.py                 # the full suite (PostgreSQL at 10k, 100k, 1M cases; SQLite 100k)
    .venv/bin/python bench/run.py --smoke         # a tiny, fast pass that checks the scripts (CI)

It starts its own PostgreSQL server (fsync on) and API server processes and
drives them with wrk. Nothing here asserts timings; targets are printed as
met or not met. The table is written to --out (default bench/RESULTS.md).
"""

import argparse
import asyncio
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import asyncpg  # noqa: E402

from app.cli import migrate  # noqa: E402
from app.core.db import make_engine, make_sessionmaker  # noqa: E402
from app.seeding import seed_all  # noqa: E402
from bench import floor_intake  # noqa: E402
from bench.kit import intake, load, rollups, scenarios, soak  # noqa: E402
from bench.kit.accounts import login, make_users  # noqa: E402
from bench.kit.generate import generate, settings_for  # noqa: E402
from bench.kit.report import write_report  # noqa: E402
from bench.kit.scenarios import Config, Row, World  # noqa: E402
from bench.kit.servers import AppServer, start_postgres  # noqa: E402


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {message}", flush=True)


async def prepare(url: str, data_dir: Path) -> None:
    settings = settings_for(url, data_dir)
    await asyncio.to_thread(migrate, settings)
    engine = make_engine(settings)
    async with make_sessionmaker(engine)() as session:
        await seed_all(session, settings.seed_dir, datetime.now(UTC))
        await session.commit()
    await engine.dispose()


async def fetch(url: str, sql: str, *args) -> list:
    if url.startswith("sqlite"):
        import sqlite3

        with sqlite3.connect(url.split("///", 1)[1]) as conn:
            return conn.execute(sql.replace("$1", "?"), args).fetchall()
    conn = await asyncpg.connect(url.replace("postgresql+asyncpg", "postgresql"))
    try:
        return [tuple(r) for r in await conn.fetch(sql, *args)]
    finally:
        await conn.close()


async def communities(url: str) -> list[tuple[str, str]]:
    rows = await fetch(url, "SELECT c.code, d.name || s.name || c.name FROM regions c JOIN regions s ON s.code = "
                            "c.parent_code JOIN regions d ON d.code = s.parent_code WHERE c.level = 'community' "
                            "ORDER BY c.code")
    return [(code, f"{path}幸福路{i % 90 + 1}号") for i, (code, path) in enumerate(rows)]


async def world_for(url: str, data_dir: Path, server: AppServer, tag: str) -> World:
    busy = (await fetch(url, "SELECT unit_id FROM assignments WHERE active GROUP BY unit_id "
                             "ORDER BY COUNT(*) DESC LIMIT 1"))[0][0]
    lead = (await fetch(url, "SELECT lead_unit_id FROM cases WHERE lead_unit_id IS NOT NULL GROUP BY lead_unit_id "
                             "ORDER BY COUNT(*) DESC LIMIT 1"))[0][0]
    users = await make_users(url, data_dir, busy_unit=busy, agent_unit=None, tag=tag)
    return World(url=url, data_dir=data_dir, base_url=server.url, headers=login(server.url, users), busy_unit=busy,
                 busy_lead=lead, communities=await communities(url))


async def postgres_suite(args: argparse.Namespace, cfg: Config, rows: list[Row], plans: list[str]) -> None:
    pg = start_postgres()
    server = None
    try:
        admin_dsn = pg.url().replace("+asyncpg", "")
        conn = await asyncpg.connect(admin_dsn)
        await conn.execute("CREATE DATABASE bench")
        await conn.close()
        url, dsn = pg.url("bench"), pg.url("bench").replace("+asyncpg", "")
        data_dir = Path(tempfile.mkdtemp(prefix="csc-bench-pg-"))
        await prepare(url, data_dir)
        world, total, singles = None, 0, {}
        for size in args.sizes:
            started = time.perf_counter()
            counts = await generate(url, data_dir, size - total, datetime.now(UTC), log=log)
            total = size
            log(f"PostgreSQL: {size:,} cases ({counts}) in {time.perf_counter() - started:.0f} s")
            rebuilt = await rollups.rebuild(url, data_dir, datetime.now(UTC))
            log(f"PostgreSQL: {rebuilt.report(rebuilt=True)}")
            if server is None:
                server = AppServer(url, data_dir, workers=args.workers).start()
                world = await world_for(url, data_dir, server, "pg")
            scale = f"{size:,}"
            world.case_ids = [r[0] for r in await fetch(url, "SELECT id FROM cases ORDER BY random() LIMIT 2000")]
            found = await scenarios.case_read(world, cfg, scale, dsn, args.workers)
            singles[size] = found[0]
            rows += found
            rows += await scenarios.queue(world, cfg, scale, dsn)
            rows += await scenarios.search(world, cfg, scale, dsn)
            rows += await scenarios.metrics(world, cfg, scale, large=size >= 1_000_000)
            log(f"PostgreSQL reads measured at {scale}")
        rows += _growth(singles)
        if args.no_intake:
            return
        found, top = await intake.intake(world, cfg, server, dialect="postgresql", dsn=dsn, workers=args.workers)
        rows += found
        log("PostgreSQL intake measured")
        if args.soak_minutes:
            log(f"PostgreSQL soak: {args.soak_minutes:g} min at {top / 2:,.0f} intakes/s")
            rows += await soak.soak(world, cfg, server, intake.intake_bodies(world, seed=13), rate=top / 2,
                                    minutes=args.soak_minutes, label=f"PostgreSQL, serve --workers {args.workers}")
            log("PostgreSQL soak done; every case checked whole")
        else:
            rows.append(soak.rss_row(server, f"PostgreSQL, serve --workers {args.workers}"))
        if not args.no_scaling:
            rows += await intake.scaling(world, cfg, url, data_dir)
            log("PostgreSQL intake scaling measured")
        plans.append(await scenarios.explain(world, dsn, "A case", f"/cases/{world.case_ids[0]}",
                                             world.headers["admin"]))
        cursor = await scenarios.queue_cursor(dsn, world.busy_unit, cfg.deep_page, 20)
        if cursor:
            plans.append(await scenarios.explain(world, dsn, f"The busy unit's queue, page {cfg.deep_page}",
                                                 f"/cases?limit=20&cursor={cursor}", world.headers["staff"]))
        month = scenarios.last_full_month(datetime.now(UTC))
        plans.append(await scenarios.explain(world, dsn, "A unit's month",
                                             f"/metrics/units/{world.busy_lead}?month={month}", world.headers["admin"]))
        plans.append(await scenarios.explain(world, dsn, "The district overview, a month",
                                             f"/metrics/overview?region=440304000000&month={month}",
                                             world.headers["admin"]))
    finally:
        if server:
            server.stop()
        pg.stop()


def _growth(singles: dict[int, Row]) -> list[Row]:
    if len(singles) < 2:
        return []
    small, large = min(singles), max(singles)

    def p50(row: Row) -> float:
        return float(row.figure.split("p50 ")[1].split(" ms")[0])

    ratio = p50(singles[large]) / p50(singles[small])
    return [Row("read latency growth: GET /cases/{id} p50", f"{large:,} vs {small:,}",
                f"{p50(singles[large]):.1f} ms vs {p50(singles[small]):.1f} ms", f"the same at {small:,}", ratio,
                "≤ 1.5", ratio <= 1.5)]


async def sqlite_suite(args: argparse.Namespace, cfg: Config, rows: list[Row]) -> None:
    data_dir = Path(tempfile.mkdtemp(prefix="csc-bench-sqlite-"))
    path = data_dir / "csc.db"
    url = f"sqlite+aiosqlite:///{path}"
    server = None
    try:
        await prepare(url, data_dir)
        started = time.perf_counter()
        await generate(url, data_dir, args.sqlite_cases, datetime.now(UTC), log=log)
        log(f"SQLite: {args.sqlite_cases:,} cases in {time.perf_counter() - started:.0f} s")
        server = AppServer(url, data_dir).start()
        world = await world_for(url, data_dir, server, "sqlite")
        found, _ = await intake.intake(world, cfg, server, dialect="sqlite", sqlite_path=str(path))
        rows += found
        rows.append(soak.rss_row(server, "SQLite"))
        log("SQLite intake measured")
        rows += await scenarios.pure(world, cfg.seconds / 2)
        floor = await floor_intake.run(300 if args.smoke else 1500)
        rows.append(Row("intake CPU floor of the stack, in process (SQLite)", "",
                        f"{floor['floor_less_client_ms']:.2f} ms",
                        f"FastAPI validating the order ({floor['framework_less_client_ms']:.2f} ms) and the fixed "
                        f"transaction on aiosqlite ({floor['transaction_ms']:.2f} ms alone), less the client's "
                        f"{floor['client_ms']:.2f} ms", note="bench/floor_intake.py; what the CPU target must leave "
                                                             "room above"))
    finally:
        if server:
            server.stop()
        shutil.rmtree(data_dir, ignore_errors=True)


def machine() -> str:
    cpu = next((line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
                if line.startswith("model name")), platform.processor())
    mem = int(next(line.split()[1] for line in Path("/proc/meminfo").read_text().splitlines()
                   if line.startswith("MemTotal"))) / 1024 / 1024
    pg = subprocess.run(["bash", "-c", "ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1"], capture_output=True,
                        text=True).stdout.strip()
    return (f"{cpu}, {os.cpu_count()} cores, {mem:.0f} GiB; Python {platform.python_version()}; "
            f"PostgreSQL {pg or '?'} (fsync on); wrk {'present' if load.available() else 'missing'}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--smoke", action="store_true", help="tiny sizes and 1-second runs: checks the scripts")
    parser.add_argument("--sizes", default="10000,100000,1000000", help="PostgreSQL case counts, ascending")
    parser.add_argument("--sqlite-cases", type=int, default=100_000)
    parser.add_argument("--seconds", type=float, default=8)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2, help="API server processes (PostgreSQL)")
    parser.add_argument("--no-scaling", action="store_true", help="skip intake at --workers 1 against 2")
    parser.add_argument("--soak-minutes", type=float, default=10,
                        help="PostgreSQL intake at half its maximum rate this long; memory read, cases checked (0: no "
                             "soak)")
    parser.add_argument("--no-intake", action="store_true", help="PostgreSQL reads only (cases, queues, search, "
                                                                     "metrics): no intake, no scaling, no plans")
    parser.add_argument("--only", choices=("postgresql", "sqlite"), help="run one database's part")
    parser.add_argument("--out", default=str(ROOT / "bench" / "RESULTS.md"))
    args = parser.parse_args()
    if not load.available():
        sys.exit("wrk is needed (Debian: apt-get install wrk)")
    args.sizes = [int(x) for x in args.sizes.split(",")]
    cfg = Config(seconds=args.seconds, runs=args.runs, connections=args.connections)
    if args.smoke:
        args.sizes, args.sqlite_cases, args.soak_minutes = [1200, 2400], 1200, min(args.soak_minutes, 0.1)
        cfg = Config(seconds=2, runs=1, warmup=0, connections=4, samples=10, deep_page=10)
    command = " ".join(["python", "bench/run.py", *sys.argv[1:]])
    rows: list[Row] = []
    plans: list[str] = []
    started = time.perf_counter()
    if args.only != "sqlite":
        asyncio.run(postgres_suite(args, cfg, rows, plans))
    if args.only != "postgresql":
        asyncio.run(sqlite_suite(args, cfg, rows))
    text = write_report(Path(args.out), rows, plans, command=command, machine=machine(),
                        minutes=(time.perf_counter() - started) / 60)
    print(text)


if __name__ == "__main__":
    main()
