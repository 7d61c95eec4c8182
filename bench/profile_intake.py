"""Where an intake's CPU goes: N hotline intakes in-process (ASGI, no HTTP server, no load generator), profiled.

    .venv/bin/python bench/profile_intake.py [--n 300] [--postgresql] [--top 25]
    .venv/bin/py-spy record -r 250 -f raw -o /tmp/intake.txt -- .venv/bin/python bench/profile_intake.py
    .venv/bin/python bench/profile_intake.py --aggregate /tmp/intake.txt     # the sampling profile by package

Prints the CPU per intake (process time, profiler off), the statements and transactions per intake, and a
cProfile breakdown by package (own time of every function, summed by the top-level package it lives in, the
application's packages one by one). A fresh SQLite database (or a throw-away PostgreSQL) is migrated and seeded;
classification and the duplicate search run as in production.
"""

import argparse
import asyncio
import cProfile
import json
import pstats
import random
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from httpx import ASGITransport, AsyncClient  # noqa: E402
from sqlalchemy import event  # noqa: E402

from app.cli import migrate  # noqa: E402
from app.core.clock import SystemClock  # noqa: E402
from app.core.direct import Direct  # noqa: E402
from app.hotline.classifier import load_examples  # noqa: E402
from app.main import create_app  # noqa: E402
from app.seeding import seed_all  # noqa: E402
from bench.kit.accounts import PASSWORD, make_users  # noqa: E402
from bench.kit.generate import settings_for  # noqa: E402
from bench.kit.sampling import package  # noqa: E402

TRANSACTION_WORDS = ("BEGIN", "BEGIN IMMEDIATE", "COMMIT", "ROLLBACK")


def package_of(filename: str) -> str:
    path = filename.replace("\\", "/")
    if "/app/" in path and "site-packages" not in path:
        parts = path.split("/app/", 1)[1].split("/")
        return "app." + (parts[0].removesuffix(".py") if len(parts) > 1 else parts[0].removesuffix(".py"))
    if "site-packages/" in path:
        return path.split("site-packages/", 1)[1].split("/")[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins (C)"
    return "stdlib"


def breakdown(stats: pstats.Stats, n: int) -> list[tuple[str, float]]:
    by: Counter[str] = Counter()
    for (filename, _line, _name), (_cc, _nc, tottime, _ct, _callers) in stats.stats.items():  # type: ignore[attr-defined]
        by[package_of(filename)] += tottime
    return [(k, v * 1000 / n) for k, v in by.most_common()]


async def prepare(url: str, data_dir: Path) -> dict[str, str]:
    settings = settings_for(url, data_dir)
    await asyncio.to_thread(migrate, settings)
    app = create_app(settings, clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        await seed_all(session, settings.seed_dir, datetime.now(UTC))
        await session.commit()
    return await make_users(url, data_dir, busy_unit=1, agent_unit=None, tag="prof")  # type: ignore[arg-type]


def bodies(url: str, data_dir: Path, communities: list[str], n: int) -> list[dict]:
    rnd = random.Random(7)
    examples = load_examples(settings_for(url, data_dir).seed_dir)
    return [{"caller_phone": f"139{rnd.randrange(10**8):08d}", "caller_name": "王女士", "work_order_type": "complaint",
             "description": rnd.choice(examples).text, "region_code": rnd.choice(communities)} for _ in range(n)]


async def run(url: str, data_dir: Path, n: int, top: int) -> None:
    users = await prepare(url, data_dir)
    app = create_app(settings_for(url, data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app):
        async with app.state.sessionmaker() as session:
            from sqlalchemy import text
            communities = [r[0] for r in await session.execute(text("SELECT code FROM regions WHERE level = "
                                                                     "'community' ORDER BY code"))]
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://prof") as client:
            r = await client.post("/auth/token", data={"username": users["agent"], "password": PASSWORD})
            headers = {"Authorization": f"Bearer {r.json()['access_token']}"}
            work = bodies(url, data_dir, communities, 3 * n + 20)

            async def once(i: int) -> None:
                got = await client.post("/hotline/orders", json=work[i],
                                        headers={**headers, "Idempotency-Key": f"prof-{time.time_ns()}-{i}"})
                assert got.status_code == 201, got.text

            for i in range(20):  # warm: the classifier trains, the caches fill
                await once(i)
            counts: Counter[str] = Counter()

            def count(conn, cursor, statement, parameters, context, executemany) -> None:
                if statement.strip().upper() not in TRANSACTION_WORDS:
                    counts["statements"] += 1

            def begin(conn) -> None:
                counts["transactions"] += 1

            sync = app.state.engine.sync_engine
            event.listen(sync, "before_cursor_execute", count)
            Direct.observers.append(count)
            event.listen(sync, "begin", begin)
            started = time.process_time()
            async def measured(i: int) -> None:  # the name py-spy stacks are filtered by (--aggregate)
                await once(i)

            for i in range(20, 20 + n):
                await measured(i)
            cpu = (time.process_time() - started) * 1000 / n
            event.remove(sync, "before_cursor_execute", count)
            Direct.observers.remove(count)
            event.remove(sync, "begin", begin)
            profiler = cProfile.Profile()
            profiler.enable()
            for i in range(20 + n, 20 + 2 * n):
                await once(i)
            profiler.disable()
    stats = pstats.Stats(profiler)
    parts = breakdown(stats, n)
    total = sum(v for _, v in parts)
    print(json.dumps({"database": url.split(":")[0], "intakes": n, "cpu_ms_per_intake": round(cpu, 2),
                      "statements_per_intake": round(counts["statements"] / n, 1),
                      "transactions_per_intake": round(counts["transactions"] / n, 2)}))
    print(f"\nown time by package (profiled, ms per intake; profiler overhead inflates it to {total:.1f}):")
    for name, value in parts[:top]:
        print(f"  {value:7.2f}  {value / total:6.1%}  {name}")
    print("\nfunctions by cumulative time:")
    stats.sort_stats("cumulative").print_stats(top)


def aggregate(raw: Path, top: int) -> None:
    """A py-spy raw profile (collapsed stacks) of the measured intakes, by package: the leaf frame's, and the
    innermost application package on the stack (which of ours asked for the work)."""
    leaf: Counter[str] = Counter()
    owner: Counter[str] = Counter()
    for line in raw.read_text().splitlines():
        stack, _, n = line.rpartition(" ")
        if "measured (" not in stack:
            continue
        frames = stack.split(";")
        leaf[package(frames[-1])] += int(n)
        ours = [p for p in map(package, frames) if p.startswith("app.")]
        owner[ours[-1] if ours else "(no app frame: server, framework)"] += int(n)
    total = sum(leaf.values()) or 1
    print(f"py-spy samples in the measured intakes: {total}")
    for title, counter in (("by the leaf frame's package", leaf), ("by the innermost app package", owner)):
        print(f"\n{title}:")
        for name, value in counter.most_common(top):
            print(f"  {value / total:6.1%}  {name}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=300)
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--postgresql", action="store_true", help="a throw-away PostgreSQL instead of SQLite")
    parser.add_argument("--aggregate", type=Path, help="summarise a py-spy raw profile of this script, and stop")
    args = parser.parse_args()
    if args.aggregate:
        aggregate(args.aggregate, args.top)
        return
    data_dir = Path(tempfile.mkdtemp(prefix="csc-prof-"))
    if not args.postgresql:
        asyncio.run(run(f"sqlite+aiosqlite:///{data_dir / 'csc.db'}", data_dir, args.n, args.top))
        return
    from tests.pg_server import PostgresServer

    pg = PostgresServer(durable=True).start()
    try:
        asyncio.run(run(pg.url(), data_dir, args.n, args.top))
    finally:
        pg.stop()


if __name__ == "__main__":
    main()
