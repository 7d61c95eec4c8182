"""Fault: the database restarts under a steady intake load.

While PostgreSQL is down, intakes must fail fast with 503 problem+json (database_unavailable, Retry-After), the
API must recover by itself once the database is back, and every case that was answered 2xx must exist with its
timeline afterwards: no partial case. Prints its figures.

    .venv/bin/python bench/faults/db_restart.py [--rate 20] [--seconds 40] [--down-at 10] [--down-for 10]
"""

import asyncio
import time
from collections import Counter

import asyncpg
from harness import load_arguments, percentiles, results, start_load, warmed_up  # type: ignore[import-not-found]


async def check_cases(dsn: str, answered: set[int]) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT c.id, array_agg(e.type ORDER BY e.id) AS types FROM cases c "
                                "LEFT JOIN case_events e ON e.case_id = c.id GROUP BY c.id")
    finally:
        await conn.close()
    timelines = {r["id"]: [t for t in r["types"] if t] for r in rows}
    partial = [i for i, types in timelines.items() if "create" not in types]
    return {"cases in the database": len(timelines), "2xx answers": len(answered),
            "2xx cases missing": len(answered - timelines.keys()),
            "2xx cases without a timeline": sum(1 for i in answered if not timelines.get(i)),
            "cases without their create event (partial)": len(partial),
            "cases written but never answered 2xx": len(timelines.keys() - answered)}


def main() -> None:
    parser = load_arguments(__doc__, rate=20.0, seconds=40.0)
    parser.add_argument("--down-at", type=float, default=10.0, help="seconds into the load the database stops")
    parser.add_argument("--down-for", type=float, default=10.0, help="seconds the database stays down")
    parser.add_argument("--mode", default="fast", choices=["smart", "fast", "immediate"], help="pg_ctl stop mode")
    args = parser.parse_args()

    with warmed_up("csc-fault-db-") as (db, api, work, agent):
        load = start_load(api.url, agent, args.rate, args.seconds, work / "load.jsonl")
        t0 = time.time()
        time.sleep(args.down_at)
        db.stop(args.mode)
        down = time.time() - t0
        time.sleep(args.down_for)
        db.start()
        up = time.time() - t0
        load.wait()
        rows = results(work / "load.jsonl", t0)
        # The generator's clock starts a little after ours: its "sent" is close enough to place each request.
        during = [r for r in rows if down <= r["sent"] < up]
        after = [r for r in rows if r["sent"] >= up]
        print(f"load: {len(rows)} intakes at {args.rate}/s for {args.seconds} s; database down from "
              f"{down:.1f} s to {up:.1f} s ({args.mode} stop)")
        print("answers overall:", dict(Counter(r["status"] for r in rows)))
        print("answers while down:", dict(Counter((r["status"], r["code"]) for r in during)))
        failed = [r for r in during if r["status"] >= 500 or r["status"] == 0]
        unavailable = [r for r in during if r["status"] == 503]
        print(f"while down: {len(unavailable)}/{len(during)} were 503 database_unavailable "
              f"(Retry-After on {sum(1 for r in unavailable if r['retry_after'])}); their latency ms "
              f"{percentiles([r['took'] for r in unavailable])}; other failures {len(failed) - len(unavailable)}")
        ok_after = [r for r in after if 200 <= r["status"] < 300]
        first_ok = min((r["sent"] for r in ok_after), default=None)
        print(f"recovery: first 2xx {first_ok - up:.2f} s after the database was back; "
              f"{len(ok_after)}/{len(after)} 2xx after it" if first_ok is not None else "recovery: none")
        print("5xx other than 503:", sum(1 for r in rows if r["status"] >= 500 and r["status"] != 503))
        answered = {r["case"] for r in rows if 200 <= r["status"] < 300 and r["case"]}
        for key, value in asyncio.run(check_cases(db.url.replace("+asyncpg", ""), answered)).items():
            print(f"{key}: {value}")


if __name__ == "__main__":
    main()
