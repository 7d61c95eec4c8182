"""What every fault script needs: a PostgreSQL server it may stop and start, the API as a real uvicorn process
(`python -m app serve`), an agent's token, the load generator in its own process, and the results it wrote."""

import argparse
import contextlib
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))

from bench.kit.servers import free_port, wait_until_up  # noqa: E402
from tests.pg_server import PostgresServer, _bin  # noqa: E402

SECRETS = {"CSC_JWT_SECRET": "faults-secret-" + "x" * 32,
           "CSC_FIELD_KEY": "C2p0Zk1hZ2ljS2V5Rm9yVGVzdHNPbmx5MTIzNDU2Nzg=", "CSC_LOOKUP_KEY": "faults-lookup"}
PASSWORD = "Faults#Pass2026"
# The hotline intake the load sends: an agent logs a call (tests/api/test_hotline.py).
CALL = {"caller_phone": "13800138000", "caller_name": "张先生", "work_order_type": "投诉",
        "description": "园岭街道红荔社区旁边的工地每天晚上十一点多还在打桩，吵得老人孩子都睡不着觉",
        "address": "福田区园岭街道红荔社区红荔路1001号"}


class Database:
    """A durable PostgreSQL (fsync and synchronous commit on: a restart must lose nothing that was answered)."""

    def __init__(self) -> None:
        self.server = PostgresServer(durable=True).start()
        self.url = self.server.url("postgres")

    def _ctl(self, *args: str) -> None:
        self.server._run(_bin("pg_ctl"), "-D", str(self.server.data), *args)

    def stop(self, mode: str = "fast") -> None:
        self._ctl("-m", mode, "stop")

    def start(self) -> None:
        opts = f"-p {self.server.port} -k {self.server.root} -h 127.0.0.1 -c max_connections=200"
        self._ctl("-o", opts, "-l", str(self.server.root / "log"), "-w", "start")

    def close(self) -> None:
        self.server.stop()


def app_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, **SECRETS, "CSC_DATABASE_URL": database_url, "CSC_DATA_DIR": str(data_dir),
            "CSC_LOG_LEVEL": "WARNING", "CSC_RATE_LIMITS_ENABLED": "false", **extra}


class Api:
    """`python -m app serve` in its own process group; background jobs off unless asked for."""

    def __init__(self, database_url: str, data_dir: Path, *, workers: int = 1, worker: bool = False,
                 **extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = app_env(database_url, data_dir, **extra)
        self.log = data_dir / f"api-{self.port}.log"
        cmd = [sys.executable, "-m", "app", "serve", "--port", str(self.port), "--workers", str(workers)]
        self.cmd = cmd if worker else [*cmd, "--no-worker"]
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 180.0) -> "Api":
        self.proc = subprocess.Popen(self.cmd, cwd=ROOT, env=self.env, stdout=self.log.open("ab"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        up = wait_until_up(self.proc, self.url + "/healthz", timeout)
        if up is None:
            raise RuntimeError(f"the API did not come up; see {self.log}")
        if not up:
            raise RuntimeError(f"the API exited; see {self.log}")
        return self

    def signal(self, sig: int) -> None:
        assert self.proc is not None
        os.kill(self.proc.pid, sig)

    def wait(self, timeout: float = 60.0) -> int:
        assert self.proc is not None
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)

    def rss_mib(self) -> float:
        """Resident memory of the serving process (and its children, when uvicorn runs several workers)."""
        assert self.proc is not None
        pids = [self.proc.pid, *_children(self.proc.pid)]
        return round(sum(_rss_kib(p) for p in pids) / 1024, 1)


def _children(pid: int) -> list[int]:
    try:
        found = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return []
    return [int(c) for c in found] + [g for c in found for g in _children(int(c))]


def _rss_kib(pid: int) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def cli(env: dict[str, str], *args: str) -> str:
    done = subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(done.stderr or done.stdout)
    return done.stdout.strip()


def token(api: Api, role: str = "agent", unit: int | None = None) -> str:
    username = f"{role}-{api.port}-{unit or 0}"
    cli(api.env, "create-user", "--username", username, "--password", PASSWORD, "--role", role,
        *(["--unit", str(unit)] if unit else []))
    r = httpx.post(api.url + "/auth/token", data={"username": username, "password": PASSWORD}, timeout=10)
    r.raise_for_status()
    return r.json()["access_token"]


def warm_up(api: Api, token_: str) -> float:
    """One intake before the load: the first one builds the classifier (seconds of CPU in the event loop), which
    would otherwise stall every request of the first seconds. Returns how long it took."""
    started = time.monotonic()
    r = httpx.post(api.url + "/hotline/orders", json=CALL, headers={"Authorization": f"Bearer {token_}"},
                   timeout=120)
    r.raise_for_status()
    return time.monotonic() - started


@contextlib.contextmanager
def warmed_up(prefix: str, **api_options: object) -> Iterator[tuple[Database, Api, Path, str]]:
    """A fresh database and API in a new work directory, warmed up with one intake: (database, API, work
    directory, an agent's token). Both are stopped on the way out, whatever happened."""
    work = Path(tempfile.mkdtemp(prefix=prefix))
    db = Database()
    api = None
    try:
        api = Api(db.url, work, **api_options).start()
        agent = token(api)
        print(f"warm-up: the first intake took {warm_up(api, agent):.1f} s")
        yield db, api, work, agent
    finally:
        if api is not None:
            api.stop()
        db.close()


def load_arguments(doc: str, *, rate: float, seconds: float) -> argparse.ArgumentParser:
    """A fault script's parser with the load it runs under (start_load's `rate` and `seconds`) and these defaults;
    the script adds its own options."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--rate", type=float, default=rate, help="intakes a second")
    parser.add_argument("--seconds", type=float, default=seconds, help="length of the load")
    return parser


def start_load(url: str, token_: str, rate: float, seconds: float, out: Path, *, timeout: float = 10.0,
               concurrency: int = 128) -> subprocess.Popen:
    """The open-loop load generator (loadgen.py) in its own process: `rate` intakes a second for `seconds`."""
    cmd = [sys.executable, str(Path(__file__).with_name("loadgen.py")), "--url", url, "--token", token_,
           "--rate", str(rate), "--seconds", str(seconds), "--out", str(out), "--timeout", str(timeout),
           "--concurrency", str(concurrency)]
    return subprocess.Popen(cmd, cwd=ROOT)


def results(out: Path, origin: float) -> list[dict]:
    """The generator's lines, each `sent` made seconds after `origin` (a time.time() of the fault script)."""
    rows = [json.loads(line) for line in out.read_text().splitlines() if line.strip()]
    return [{**r, "sent": r["sent"] - origin} for r in rows]


def percentiles(values: list[float], points=(50, 90, 99)) -> dict[str, float]:
    if not values:
        return {f"p{p}": float("nan") for p in points} | {"max": float("nan")}
    ordered = sorted(values)
    out = {f"p{p}": ordered[min(len(ordered) - 1, int(len(ordered) * p / 100))] for p in points}
    return {k: round(v * 1000, 1) for k, v in {**out, "max": ordered[-1]}.items()}  # milliseconds
