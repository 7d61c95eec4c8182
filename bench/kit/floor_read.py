"""The floor under a case read on PostgreSQL: what `GET /cases/{id}` costs through the chosen stack before the
application does anything of its own.

FastAPI (no middleware, no authentication, no ORM, no domain code) answering `GET /cases/{id}` by running, on an
asyncpg pool in one transaction, the statements the application's own read sends (captured by
bench/kit/capture.py, the captured case's id replaced by the path's) and returning their rows as JSON. Served by
uvicorn with as many workers and as large a pool as the application, loaded by wrk at the same connections: the
rate no read through this stack can beat, so `floor ÷ raw` is the most the read's target ratio can reach.

    FLOOR_READ_SPEC=/tmp/spec.pickle .venv/bin/python -m uvicorn bench.kit.floor_read:create --factory --workers 2
"""

import json
import os
import pickle
import signal
import subprocess
import sys
import tempfile
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from bench.kit.capture import Capture
from bench.kit.servers import ROOT, free_port, wait_until_up


def create() -> Any:
    import asyncpg
    from fastapi import FastAPI
    from fastapi.responses import Response

    spec = pickle.loads(Path(os.environ["FLOOR_READ_SPEC"]).read_bytes())
    statements: list[tuple[str, tuple[Any, ...]]] = spec["statements"]
    captured_id = spec["case_id"]
    pool: Any = None

    @asynccontextmanager
    async def lifespan(_app: FastAPI):  # type: ignore[no-untyped-def]
        nonlocal pool
        pool = await asyncpg.create_pool(spec["dsn"], min_size=1, max_size=spec["pool_size"])
        yield
        await pool.close()

    api = FastAPI(lifespan=lifespan)

    @api.get("/readyz")
    async def ready() -> dict[str, str]:
        return {"status": "ok"}

    @api.get("/cases/{case_id}")
    async def read(case_id: int) -> Response:
        async with pool.acquire() as conn, conn.transaction():
            rows = [await conn.fetch(sql, *(case_id if v == captured_id else v for v in params))
                    for sql, params in statements]
        body = json.dumps([[dict(r) for r in found] for found in rows], ensure_ascii=False, default=str)
        return Response(body, media_type="application/json")

    return api


class FloorServer:
    def __init__(self, dsn: str, capture: Capture, case_id: int, *, workers: int, pool_size: int = 10) -> None:
        if any(s.many for s in capture.statements):
            raise ValueError("a read's capture has no executemany")
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        handle = tempfile.NamedTemporaryFile(suffix=".pickle", delete=False)  # noqa: SIM115 - read by the server
        handle.write(pickle.dumps({"dsn": dsn, "case_id": case_id, "pool_size": pool_size,
                                   "statements": [(s.sql, tuple(s.params)) for s in capture.statements]}))
        handle.close()
        self.spec = Path(handle.name)
        self.workers = workers
        self.proc: subprocess.Popen | None = None

    def __enter__(self) -> "FloorServer":
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "uvicorn", "bench.kit.floor_read:create", "--factory", "--port", str(self.port),
             "--workers", str(self.workers), "--log-level", "warning", "--no-access-log"],
            cwd=ROOT, env={**os.environ, "FLOOR_READ_SPEC": str(self.spec)}, stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE, start_new_session=True)
        if not wait_until_up(self.proc, self.url + "/readyz", 60):
            self.__exit__()
            raise RuntimeError("the read floor's server did not start")
        return self

    def __exit__(self, *_exc: Any) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            self.proc.wait(15)
        self.spec.unlink(missing_ok=True)
