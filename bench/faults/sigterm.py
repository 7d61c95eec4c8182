"""Fault: SIGTERM to the API under load. Requests in flight when the signal comes must finish (uvicorn's graceful
shutdown); requests sent after it are refused at the door. Prints its figures.

    .venv/bin/python bench/faults/sigterm.py [--rate 30] [--seconds 20] [--signal-at 8]
"""

import signal
import time
from collections import Counter

from harness import load_arguments, percentiles, results, start_load, warmed_up  # type: ignore[import-not-found]


def main() -> None:
    parser = load_arguments(__doc__, rate=30.0, seconds=20.0)
    parser.add_argument("--signal-at", type=float, default=8.0, help="seconds into the load SIGTERM is sent")
    parser.add_argument("--timeout", type=float, default=60.0, help="the client's timeout per request, seconds")
    args = parser.parse_args()

    with warmed_up("csc-fault-term-") as (db, api, work, agent):
        load = start_load(api.url, agent, args.rate, args.seconds, work / "load.jsonl", timeout=args.timeout)
        t0 = time.time()
        time.sleep(args.signal_at)
        api.signal(signal.SIGTERM)
        at = time.time() - t0
        code = api.wait(120)
        exited = time.time() - t0
        load.wait()
        rows = results(work / "load.jsonl", t0)
        before = [r for r in rows if r["sent"] < at]
        in_flight = [r for r in before if r["sent"] + r["took"] > at]
        after = [r for r in rows if r["sent"] >= at]
        print(f"load: {len(rows)} intakes at {args.rate}/s; SIGTERM at {at:.2f} s; the API exited "
              f"{exited - at:.2f} s later with code {code}")
        print(f"sent before the signal: {len(before)}; answered: {sum(1 for r in before if r['status'])}; "
              f"statuses {dict(Counter(r['status'] or r['error'] for r in before))}; unanswered sent at "
              f"{[round(r['sent'] - at, 3) for r in before if not r['status']]} s from the signal")
        print(f"in flight at the signal: {len(in_flight)}; finished 2xx: "
              f"{sum(1 for r in in_flight if 200 <= r['status'] < 300)}; their latency ms "
              f"{percentiles([r['took'] for r in in_flight])}")
        print(f"sent after the signal: {len(after)}; outcomes "
              f"{dict(Counter(r['status'] or r['error'] for r in after))}")


if __name__ == "__main__":
    main()
