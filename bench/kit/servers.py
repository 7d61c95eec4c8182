"""The processes a benchmark measures: a durable PostgreSQL server and the API served by uvicorn.

Both run as separate processes on this machine, as in production; the load
generator (wrk) is a third. PostgreSQL runs with fsync on.
"""

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.pg_server import PostgresServer

ROOT = Path(__file__).resolve().parents[2]
# Production-like memory settings for a 24 GiB machine; durability stays at the defaults (fsync, full pages).
PG_SETTINGS = {"shared_buffers": "2GB", "work_mem": "32MB", "maintenance_work_mem": "512MB",
               "effective_cache_size": "8GB", "max_wal_size": "4GB", "checkpoint_timeout": "15min",
               "random_page_cost": "1.1"}
# Throw-away keys for a throw-away database; the generator encrypts phones with the key the server reads.
SECRETS = {"CSC_JWT_SECRET": "bench-secret-" + "x" * 32,
           "CSC_FIELD_KEY": "C2p0Zk1hZ2ljS2V5Rm9yVGVzdHNPbmx5MTIzNDU2Nzg=", "CSC_LOOKUP_KEY": "bench-lookup"}


def start_postgres() -> PostgresServer:
    return PostgresServer(durable=True, settings=PG_SETTINGS).start()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def app_env(database_url: str, data_dir: Path, **extra: str) -> dict[str, str]:
    return {**os.environ, **SECRETS, "CSC_DATABASE_URL": database_url, "CSC_DATA_DIR": str(data_dir),
            "CSC_LOG_LEVEL": "WARNING", **extra}


def rss_mib(pid: int) -> float:
    """A process's resident set now (VmRSS), in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError(f"no VmRSS for {pid}")


def wait_until_up(proc: subprocess.Popen, url: str, timeout: float) -> bool | None:
    """Polls `url` until it answers 200 (True) or the process exits first (False); None after `timeout` seconds."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if proc.poll() is not None:
            return False
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    return None


class AppServer:
    """`python -m app serve` in its own process group, background jobs off (they would compete for the cores)."""

    def __init__(self, database_url: str, data_dir: Path, workers: int = 1, **extra: str) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = app_env(database_url, data_dir, **extra)
        self.workers = workers
        self.log = data_dir / f"server-{self.port}.log"
        self.proc: subprocess.Popen | None = None

    def start(self, timeout: float = 120.0) -> "AppServer":
        cmd = [sys.executable, "-m", "app", "serve", "--port", str(self.port), "--workers", str(self.workers),
               "--no-worker"]
        self.proc = subprocess.Popen(cmd, cwd=ROOT, env=self.env, stdout=self.log.open("wb"),
                                     stderr=subprocess.STDOUT, start_new_session=True)
        up = wait_until_up(self.proc, self.url + "/readyz", timeout)
        if up is None:
            raise RuntimeError("server did not become ready")
        if not up:
            raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
        return self

    def worker_pids(self) -> list[int]:
        """The processes that answer requests: the server itself with one worker, else uvicorn's spawned workers."""
        assert self.proc is not None
        if self.workers == 1:
            return [self.proc.pid]
        children = Path(f"/proc/{self.proc.pid}/task/{self.proc.pid}/children").read_text().split()
        return [int(pid) for pid in children
                if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
