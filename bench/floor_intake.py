"""The CPU floor under an intake: what the chosen stack costs before the application does anything of its own.

    .venv/bin/python bench/floor_intake.py [--n 1000] [--rounds 3]

Four measurements, three of them in process (httpx over ASGI, no HTTP server, one SQLite database migrated and
seeded as profile_intake.py makes it), CPU per request by process time, the profiler off:

  client       httpx posting the order body to a bare ASGI callable that answers 201 with a fixed JSON body: the
               load generator's own cost, which every in-process figure includes and no server pays;
  framework    FastAPI (the chosen framework, no middleware) validating the order body with the application's own
               `HotlineOrderCreate`, answering with a stored answer of an intake's size, writing nothing;
  floor        the same, then the fixed ceiling transaction (bench/kit/ceiling.py: idempotency record, case, lead
               assignment, two events, outbox row) on raw aiosqlite: the least any intake through this stack can
               cost;
  transaction  the fixed transaction alone on raw aiosqlite, no HTTP.

The application's own intake is measured by profile_intake.py (the same database, the same bodies).
Each is measured three times in turn (`--rounds`) and the least kept. Prints each, and each less the client's
cost: the floor is what #30's CPU target has to leave room above.
"""

import argparse
import asyncio
import json
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from httpx import ASGITransport, AsyncClient  # noqa: E402

from bench.kit import ceiling  # noqa: E402
from bench.profile_intake import bodies, prepare  # noqa: E402

ANSWER = ceiling.ANSWER.encode()


async def bare(scope, receive, send) -> None:  # type: ignore[no-untyped-def]
    while (await receive()).get("more_body"):
        pass
    await send({"type": "http.response.start", "status": 201,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(ANSWER)).encode())]})
    await send({"type": "http.response.body", "body": ANSWER})


def floor_app(path: str, *, write: bool = True):  # type: ignore[no-untyped-def]
    from fastapi import FastAPI, Header
    from fastapi.responses import Response

    from app.hotline.schemas import HotlineOrderCreate

    api = FastAPI()
    state: dict = {}

    @api.post("/hotline/orders", status_code=201)
    async def order(body: HotlineOrderCreate, idempotency_key: str = Header()) -> Response:
        if not write:
            return Response(ANSWER, status_code=201, media_type="application/json")
        if "db" not in state:
            state["db"] = await ceiling.sqlite_open(path)
            state["values"] = ceiling.Values(await ceiling.refs_sqlite(path), text_times=True)
        await ceiling.sqlite_transaction(state["db"], state["values"])
        return Response(ANSWER, status_code=201, media_type="application/json")

    return api, state


async def cpu_per_request(app, work: list[dict], headers: dict) -> float:  # type: ignore[no-untyped-def]
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://floor") as client:
        async def once(i: int) -> None:
            got = await client.post("/hotline/orders", json=work[i],
                                    headers={**headers, "Idempotency-Key": f"floor-{time.time_ns()}-{i}"})
            assert got.status_code == 201, got.text

        warm = min(50, len(work) // 4)
        for i in range(warm):
            await once(i)
        started = time.process_time()
        for i in range(warm, len(work)):
            await once(i)
        return (time.process_time() - started) * 1000 / (len(work) - warm)


async def run(n: int, rounds: int = 3) -> dict[str, float]:
    """Each measurement `rounds` times in turn, the least of each kept: other work on the machine only adds."""
    data_dir = Path(tempfile.mkdtemp(prefix="csc-floor-"))
    try:
        path = data_dir / "csc.db"
        url = f"sqlite+aiosqlite:///{path}"
        await prepare(url, data_dir)
        import aiosqlite

        async with aiosqlite.connect(path) as db, db.execute(
                "SELECT code FROM regions WHERE level = 'community' ORDER BY code") as cur:
            communities = [r[0] for r in await cur.fetchall()]
        work = bodies(url, data_dir, communities, n)
        random.Random(3).shuffle(work)
        framework_app = floor_app(str(path), write=False)[0]
        api, state = floor_app(str(path))
        got: dict[str, list[float]] = {"client": [], "framework": [], "floor": [], "sql": []}
        try:
            for _ in range(rounds):
                got["client"].append(await cpu_per_request(bare, work, {}))
                got["framework"].append(await cpu_per_request(framework_app, work, {}))
                got["floor"].append(await cpu_per_request(api, work, {}))
                got["sql"].append(await sql_cpu(str(path), n))
        finally:
            if "db" in state:
                await state["db"].close()
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    client, framework, floor, sql = (min(got[k]) for k in ("client", "framework", "floor", "sql"))
    return {"client_ms": round(client, 3), "framework_less_client_ms": round(framework - client, 3),
            "transaction_ms": round(sql, 3), "floor_ms": round(floor, 3),
            "floor_less_client_ms": round(floor - client, 3)}


async def sql_cpu(path: str, n: int) -> float:
    """CPU of the fixed transaction alone on raw aiosqlite (no HTTP, no framework)."""
    values = ceiling.Values(await ceiling.refs_sqlite(path), text_times=True)
    db = await ceiling.sqlite_open(path)
    try:
        started = time.process_time()
        for _ in range(n):
            await ceiling.sqlite_transaction(db, values)
        return (time.process_time() - started) * 1000 / n
    finally:
        await db.close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--n", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(run(args.n, args.rounds))))


if __name__ == "__main__":
    main()
