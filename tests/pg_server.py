"""Starts a throw-away PostgreSQL server for the test session.

PostgreSQL refuses to run as root, and CI runs as root: the server then runs
as the unprivileged `postgres` system user, on a private socket directory and
port, and is torn down after the session.
"""

import atexit
import os
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path


def _bin(name: str) -> str:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    raise RuntimeError(f"PostgreSQL binary {name} not found; install postgresql (see .ci/run)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PostgresServer:
    def __init__(self, durable: bool = False, settings: dict[str, str] | None = None) -> None:
        # Tests trade durability for speed; the benchmarks run the server as production would (fsync on).
        self.durable = durable
        self.settings = settings or {}
        self.root = Path(tempfile.mkdtemp(prefix="csc-pg-"))
        self.data = self.root / "data"
        self.port = _free_port()
        self.as_root = os.geteuid() == 0
        self.user = "postgres" if self.as_root else os.environ.get("USER", "postgres")

    def _run(self, *args: str) -> None:
        cmd = list(args)
        if self.as_root:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> "PostgresServer":
        if self.as_root:
            shutil.chown(self.root, "postgres", "postgres")
        os.chmod(self.root, 0o700)
        self._run(_bin("initdb"), "-D", str(self.data), "-U", "postgres", "-A", "trust", "-E", "UTF8",
                  "--locale=C", "--no-sync")
        safety = "" if self.durable else "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        extra = "".join(f"-c {k}={v} " for k, v in self.settings.items())
        opts = f"-p {self.port} -k {self.root} -h 127.0.0.1 {safety}{extra}-c max_connections=200"
        self._run(_bin("pg_ctl"), "-D", str(self.data), "-o", opts, "-l", str(self.root / "log"), "-w", "start")
        deadline = time.time() + 30
        atexit.register(self.stop)  # an interrupted run (Ctrl-C) leaves no server and no data directory behind
        while time.time() < deadline:
            with socket.socket() as s:
                if s.connect_ex(("127.0.0.1", self.port)) == 0:
                    return self
            time.sleep(0.1)
        raise RuntimeError("PostgreSQL did not start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+asyncpg://postgres@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stops the server and removes its files; safe to call again (atexit calls it after a normal stop)."""
        if not self.root.exists():
            return
        try:
            self._run(_bin("pg_ctl"), "-D", str(self.data), "-m", "immediate", "stop")
        except subprocess.CalledProcessError:
            pass  # already down: a Ctrl-C reaches the server too, and it shuts itself down
        finally:
            shutil.rmtree(self.root, ignore_errors=True)
