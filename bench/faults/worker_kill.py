"""Fault: the worker killed (SIGKILL) in the middle of webhook delivery, then started again.

Every outbox event of a unit with a webhook must reach the unit's receiver at least once; duplicates are
allowed (receivers de-duplicate by X-CSC-Event-Id) and counted. Prints its figures.

    .venv/bin/python bench/faults/worker_kill.py [--cases 200] [--kill-after 60] [--receiver-delay 0.05]
"""

import argparse
import asyncio
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from email.message import Message
from pathlib import Path

import asyncpg
import httpx
from harness import CALL, ROOT, Api, Database, token  # type: ignore[import-not-found]

from tests.receiver import WebhookReceiver


class Receiver(WebhookReceiver):
    """The unit's system: answers 204 after `delay` seconds and counts every event id it is sent."""

    def __init__(self, delay: float) -> None:
        self.seen: Counter[str] = Counter()
        self.delay, self.lock = delay, threading.Lock()
        super().__init__()

    def answer(self, headers: Message, body: bytes) -> int:
        time.sleep(self.delay)
        with self.lock:
            self.seen[headers["X-CSC-Event-Id"]] += 1
        return 204


def start_worker(env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "app", "worker"], cwd=ROOT, env=env, stdout=log.open("ab"),
                            stderr=subprocess.STDOUT, start_new_session=True)


async def outbox(dsn: str, unit: int) -> dict[str, list[str]]:
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch("SELECT event_uid, status FROM outbox WHERE unit_id = $1", unit)
    finally:
        await conn.close()
    out: dict[str, list[str]] = {}
    for r in rows:
        out.setdefault(r["status"], []).append(r["event_uid"])
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=200, help="intakes, each an event or more for the lead unit")
    parser.add_argument("--kill-after", type=int, default=60, help="events received before the worker is killed")
    parser.add_argument("--receiver-delay", type=float, default=0.05, help="seconds the receiver takes per event")
    parser.add_argument("--lease", type=float, default=5.0, help="delivery lease seconds (a killed worker's events "
                                                                 "are taken up again after it)")
    parser.add_argument("--wait", type=float, default=180.0, help="seconds to wait for the outbox to empty")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="csc-fault-worker-"))
    db = Database()
    api = None
    worker = None
    dsn = db.url.replace("+asyncpg", "")
    try:
        api = Api(db.url, work, CSC_DELIVERY_LEASE_SECONDS=str(args.lease)).start()
        admin = {"Authorization": f"Bearer {token(api, 'admin')}"}
        agent = {"Authorization": f"Bearer {token(api)}"}
        units = httpx.get(api.url + "/units", params={"kind": "ecology_environment_bureau",
                                                      "region": "440304000000"}, timeout=10).json()["items"]
        eco = next(u["id"] for u in units if u["code"] == "440304000000-ecology_environment_bureau")
        receiver = Receiver(args.receiver_delay)
        httpx.put(f"{api.url}/units/{eco}/webhook", json={"url": receiver.url}, headers=admin,
                  timeout=10).raise_for_status()
        with httpx.Client(base_url=api.url, headers=agent, timeout=120) as client:
            for _ in range(args.cases):
                client.post("/hotline/orders", json=CALL).raise_for_status()
        written = asyncio.run(outbox(dsn, eco))
        total = sum(len(v) for v in written.values())
        by_status = {k: len(v) for k, v in written.items()}
        print(f"{args.cases} intakes wrote {total} outbox events for the lead unit {by_status}")

        worker = start_worker(api.env, work / "worker.log")
        while sum(receiver.seen.values()) < args.kill_after and worker.poll() is None:
            time.sleep(0.01)
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait()
        at_kill = sum(receiver.seen.values())
        print(f"worker SIGKILLed after {at_kill} deliveries received; restarted")
        worker = start_worker(api.env, work / "worker.log")
        started = time.monotonic()
        while time.monotonic() - started < args.wait:
            state = asyncio.run(outbox(dsn, eco))
            if not state.get("pending"):
                break
            time.sleep(1)
        took = time.monotonic() - started
        state = asyncio.run(outbox(dsn, eco))
        uids = {u for v in state.values() for u in v}
        missing = uids - receiver.seen.keys()
        print(f"after the restart: outbox {dict((k, len(v)) for k, v in state.items())} in {took:.1f} s")
        print(f"received at the unit: {len(receiver.seen)} distinct events, {sum(receiver.seen.values())} posts, "
              f"{sum(1 for c in receiver.seen.values() if c > 1)} delivered more than once")
        print(f"events never received: {len(missing)} of {len(uids)}")
    finally:
        if worker is not None and worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            worker.wait(30)
        if api is not None:
            api.stop()
        db.close()


if __name__ == "__main__":
    main()
