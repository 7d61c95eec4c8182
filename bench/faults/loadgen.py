"""Open-loop load: POST /hotline/orders at a fixed rate whatever the answers take, one line of JSON per request.

Each line: sent (the wall clock, seconds since the epoch, so the fault script can place it), took (seconds),
status (0: no answer – refused, reset or timed out),
code (the problem's code), retry_after, case (the id of a 2xx answer), error (the exception's name).
Usage: loadgen.py --url http://127.0.0.1:8000 --token T --rate 50 --seconds 60 --out results.jsonl
"""

import argparse
import asyncio
import json
import time
import uuid
from pathlib import Path

import httpx
from harness import CALL  # type: ignore[import-not-found]


async def one(client: httpx.AsyncClient, sink: list[dict]) -> None:
    sent = time.monotonic()
    row: dict = {"sent": round(time.time(), 4), "status": 0, "code": None, "retry_after": None, "case": None,
                 "error": None}
    try:
        r = await client.post("/hotline/orders", json=CALL, headers={"Idempotency-Key": uuid.uuid4().hex})
        row["status"] = r.status_code
        row["retry_after"] = r.headers.get("retry-after")
        body = r.json() if r.headers.get("content-type", "").endswith("json") else {}
        row["code"] = body.get("code") if isinstance(body, dict) else None
        if r.status_code < 300:
            row["case"] = body.get("id")
    except (httpx.HTTPError, OSError, ValueError) as exc:
        row["error"] = type(exc).__name__
    row["took"] = round(time.monotonic() - sent, 4)
    sink.append(row)


async def run(args: argparse.Namespace) -> list[dict]:
    limits = httpx.Limits(max_connections=args.concurrency, max_keepalive_connections=args.concurrency)
    headers = {"Authorization": f"Bearer {args.token}"}
    sink: list[dict] = []
    async with httpx.AsyncClient(base_url=args.url, headers=headers, timeout=args.timeout, limits=limits) as client:
        started = time.monotonic()
        tasks: set[asyncio.Task] = set()
        total = int(args.rate * args.seconds)
        for i in range(total):
            delay = started + i / args.rate - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            if len(tasks) >= args.concurrency:
                # Open loop: the request is due now and every connection is busy. It counts as not answered
                # rather than queueing inside the client, which would hide the server's backlog.
                sink.append({"sent": round(time.time(), 4), "status": 0, "code": None, "retry_after": None,
                             "case": None, "error": "Saturated", "took": 0.0})
                continue
            task = asyncio.create_task(one(client, sink))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        if tasks:
            await asyncio.wait(set(tasks), timeout=args.timeout + 5)
    return sink


def main(args: argparse.Namespace) -> None:
    sink = asyncio.run(run(args))
    Path(args.out).write_text("".join(json.dumps(row) + "\n" for row in sorted(sink, key=lambda r: r["sent"])))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", required=True)
    parser.add_argument("--token", required=True)
    parser.add_argument("--rate", type=float, required=True)
    parser.add_argument("--seconds", type=float, required=True)
    parser.add_argument("--out", required=True)
    parser.add_argument("--timeout", type=float, default=10.0)
    parser.add_argument("--concurrency", type=int, default=128, help="requests in flight at most")
    main(parser.parse_args())
