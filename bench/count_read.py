"""The work of one case read, counted in instructions: `GET /cases/{id}` in process (ASGI, no HTTP server, no load
generator) under valgrind's callgrind, which counts the instructions the process executes while the reads run.

    .venv/bin/python bench/count_read.py [--reads 200] [--cases 2000] [--postgresql]

Timings on a shared two-core host move by 10-20% from one minute to the next, more than most single changes to the
read do; an instruction count does not move with the host, so a change's effect on the application's own work is
read exactly (the same database, cases and reads give the same count to a few parts in a thousand). It is not a
rate: it leaves out the HTTP server and the database server, and a cache miss costs no more than a hit. Needs
valgrind (Debian `valgrind`). The reference cache is kept as served (`routing_cache_seconds` long), so that a
reload's work, timed in the slowed process, does not fall into the count.
"""

import argparse
import asyncio
import json
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import MutableMapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi import FastAPI  # noqa: E402
from httpx import ASGITransport, AsyncClient  # noqa: E402
from sqlalchemy import text  # noqa: E402

from app.core.clock import SystemClock  # noqa: E402
from app.main import create_app  # noqa: E402
from bench.kit.accounts import PASSWORD  # noqa: E402
from bench.kit.generate import generate, settings_for  # noqa: E402
from bench.profile_intake import prepare as seeded_with_users  # noqa: E402

SPEC = "CSC_COUNT_READ_SPEC"  # set in the process valgrind runs: what to read


def _app(url: str, data_dir: Path) -> FastAPI:
    settings = settings_for(url, data_dir).model_copy(update={"routing_cache_seconds": 3600.0})
    return create_app(settings, clock=SystemClock(), run_worker=False)


async def prepare(url: str, data_dir: Path, cases: int) -> dict[str, object]:
    """profile_intake's database (migrated, seeded, the bench's accounts) with `cases` generated cases."""
    users = await seeded_with_users(url, data_dir)
    await generate(url, data_dir, cases, datetime.now(UTC), log=lambda *_: None)
    app = create_app(settings_for(url, data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        ids = [r[0] for r in await session.execute(text("SELECT id FROM cases ORDER BY id"))]
    return {"url": url, "data_dir": str(data_dir), "admin": users["admin"], "ids": ids}


async def read_counted(spec: dict, reads: int) -> None:
    """Runs in the process valgrind started: warms the reads, then counts `reads` of them."""
    app = _app(spec["url"], Path(spec["data_dir"]))
    ids: list[int] = spec["ids"]
    async with app.router.lifespan_context(app) as state:
        async with AsyncClient(transport=ASGITransport(app=app), base_url="http://count") as client:
            token = (await client.post("/auth/token", data={"username": spec["admin"], "password": PASSWORD})).json()
        headers = [(b"host", b"count"), (b"authorization", f"Bearer {token['access_token']}".encode())]

        async def read(case_id: int) -> None:  # the ASGI call alone: no client's work in the count
            path = f"/cases/{case_id}"
            scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "GET",
                     "scheme": "http", "path": path, "raw_path": path.encode(), "query_string": b"", "root_path": "",
                     "headers": headers, "client": ("127.0.0.1", 1), "server": ("127.0.0.1", 80),
                     "state": dict(state or {})}
            sent: list[MutableMapping[str, Any]] = []

            async def receive() -> dict:
                return {"type": "http.request", "body": b"", "more_body": False}

            async def send(message: MutableMapping[str, Any]) -> None:
                sent.append(message)

            await app(scope, receive, send)
            assert sent[0]["status"] == 200, sent

        for i in range(300):
            await read(ids[i % len(ids)])
        # Blocking on purpose: counting begins when the call returns, before the next read.
        subprocess.run(["callgrind_control", "--instr=on", str(os.getpid())], check=True,  # noqa: ASYNC221
                       stdout=subprocess.DEVNULL)
        for i in range(reads):
            await read(ids[(i * 7919) % len(ids)])
        subprocess.run(["callgrind_control", "--instr=off", str(os.getpid())], check=True,  # noqa: ASYNC221
                       stdout=subprocess.DEVNULL)


def count(spec: dict, reads: int) -> int:
    out = Path(tempfile.mkdtemp(prefix="csc-count-"))
    env = {**os.environ, SPEC: json.dumps(spec)}
    done = subprocess.run(["valgrind", "--tool=callgrind", "--instr-atstart=no", f"--callgrind-out-file={out}/cg.out",
                           sys.executable, __file__, "--reads", str(reads)], env=env, capture_output=True, text=True)
    found = re.search(r"Collected : (\d+)", done.stderr)
    if done.returncode != 0 or found is None:
        raise SystemExit(done.stderr[-3000:])
    return int(found.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--reads", type=int, default=200)
    parser.add_argument("--cases", type=int, default=2000)
    parser.add_argument("--postgresql", action="store_true", help="a throw-away PostgreSQL instead of SQLite")
    args = parser.parse_args()
    if SPEC in os.environ:
        asyncio.run(read_counted(json.loads(os.environ[SPEC]), args.reads))
        return
    data_dir = Path(tempfile.mkdtemp(prefix="csc-count-"))
    pg = None
    if args.postgresql:
        from bench.kit.servers import start_postgres

        pg = start_postgres()
    try:
        url = pg.url() if pg else f"sqlite+aiosqlite:///{data_dir / 'csc.db'}"
        spec = asyncio.run(prepare(url, data_dir, args.cases))
        instructions = count(spec, args.reads)
    finally:
        if pg:
            pg.stop()
    print(json.dumps({"database": url.split(":")[0], "cases": args.cases, "reads": args.reads,
                      "instructions_per_read": instructions // args.reads}))


if __name__ == "__main__":
    main()
