"""A real server for the browser tests: `python -m app serve` on a free port over a fresh SQLite database."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
USERS = [
    ("agent01", "Agent#2026", "agent", None, "张伟"),
    ("disp01", "Disp#2026x", "dispatcher", None, "刘敏"),
    ("hb_futian", "Unit#2026x", "unit_staff", "9", "王芳"),
]


def chromium_path() -> str | None:
    """Debian's chromium (or CSC_CHROMIUM): the tests never download a browser."""
    for candidate in (os.environ.get("CSC_CHROMIUM"), shutil.which("chromium"), shutil.which("chromium-browser")):
        if candidate and Path(candidate).exists():
            return candidate
    return None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Server:
    def __init__(self, data_dir: Path):
        self.data_dir = data_dir
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**os.environ, "CSC_DATA_DIR": str(data_dir), "CSC_LOG_JSON": "false",
                    "CSC_DATABASE_URL": ""}
        self.proc: subprocess.Popen[bytes] | None = None

    def cli(self, *args: str) -> None:
        subprocess.run([sys.executable, "-m", "app", *args], cwd=ROOT, env=self.env, check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)

    def start(self) -> None:
        self.cli("seed")
        for username, password, role, unit, name in USERS:
            self.cli("create-user", "--username", username, "--password", password, "--role", role, "--name", name,
                     *(["--unit", unit] if unit else []))
        log = open(self.data_dir / "server.log", "wb")  # noqa: SIM115 - closed with the process
        self.proc = subprocess.Popen([sys.executable, "-m", "app", "serve", "--port", str(self.port), "--no-worker"],
                                     cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)
        deadline = time.monotonic() + 180
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError((self.data_dir / "server.log").read_text()[-3000:])
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        raise RuntimeError("the server did not become ready")

    def token(self, username: str, password: str) -> str:
        r = httpx.post(f"{self.url}/auth/token", data={"username": username, "password": password})
        r.raise_for_status()
        return str(r.json()["access_token"])

    def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.proc.kill()
