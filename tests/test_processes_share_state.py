"""Two real API server processes on one database: a rate limit holds across them (PostgreSQL keeps the buckets),
and a change one of them makes to cached reference data is seen by the other long before the cache's TTL."""

import asyncio
import os
import signal
import socket
import subprocess
import sys
import time
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest

from tests import factories as f

ROOT = Path(__file__).resolve().parents[1]


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def servers(app, db_url: str, tmp_path: Path, count: int = 2, **env: str):
    """`python -m app serve` `count` times on the test's database, with the test's keys; yields their base URLs."""
    settings = app.state.settings
    base = {**os.environ, "CSC_DATABASE_URL": db_url, "CSC_JWT_SECRET": settings.jwt_secret,
            "CSC_FIELD_KEY": settings.field_key, "CSC_LOOKUP_KEY": settings.lookup_key, "CSC_LOG_LEVEL": "WARNING",
            **env}
    procs, urls = [], []
    try:
        for i in range(count):  # one after the other: each migrates and checks the seed as it starts
            port = _port()
            log = tmp_path / f"server-{i}.log"
            proc = subprocess.Popen(
                [sys.executable, "-m", "app", "serve", "--port", str(port), "--no-worker"], cwd=ROOT,
                env={**base, "CSC_DATA_DIR": str(tmp_path / f"data-{i}")}, stdout=log.open("wb"),
                stderr=subprocess.STDOUT, start_new_session=True)
            procs.append(proc)
            urls.append(f"http://127.0.0.1:{port}")
            deadline = time.time() + 240
            while True:
                assert proc.poll() is None, log.read_text()[-3000:]
                assert time.time() < deadline, "server did not become ready"
                try:
                    if httpx.get(urls[-1] + "/readyz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                time.sleep(0.3)
        yield urls
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in procs:
            try:
                proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)


async def test_a_rate_limit_holds_across_two_server_processes(app, db_url, tmp_path):
    if db_url.startswith("sqlite"):
        pytest.skip("SQLite is served by one process: its buckets stay in memory (app/core/ratelimit.py)")
    with servers(app, db_url, tmp_path, CSC_RATE_LIMIT_LOGIN_PER_IP="4/hour") as (a, b):
        async with httpx.AsyncClient(timeout=30) as http:
            codes = [(await http.post((a, b)[i % 2] + "/auth/token",
                                      data={"username": f"nobody{i}", "password": "wrong"})).status_code
                     for i in range(10)]
    # One allowance of four for the address, whichever process answers: not four each.
    assert codes.count(429) == 6 and codes[:4] == [401] * 4 and set(codes[4:]) == {429}, codes


async def test_a_routing_change_made_through_one_process_is_seen_by_the_other(app, db_url, tmp_path):
    admin = await f.login_as(app, "admin")
    question = {"category": "env.noise", "region_code": "440304002016", "work_order_type": "complaint"}
    # A cache that would otherwise keep the old snapshot for an hour; the versions are polled every 0.2 s.
    with servers(app, db_url, tmp_path, CSC_ROUTING_CACHE_SECONDS="3600", CSC_CACHE_POLL_SECONDS="0.2") as (a, b):
        async with httpx.AsyncClient(timeout=30, headers=admin) as http:
            before = await http.post(b + "/routing/preview", json=question)
            assert before.status_code == 200, before.text
            rule = await http.post(a + "/routing/rules", json={**question, "lead_kind": "subdistrict_office",
                                                               "priority": 1, "note": "two processes"})
            assert rule.status_code == 201, rule.text
            deadline, seen = time.monotonic() + 15, before.json()
            while seen["rule_id"] != rule.json()["id"] and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                seen = (await http.post(b + "/routing/preview", json=question)).json()
    assert before.json()["rule_id"] != rule.json()["id"]
    assert seen["rule_id"] == rule.json()["id"], seen
    assert seen["lead"]["kind"] == "subdistrict_office"
