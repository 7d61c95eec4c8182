"""Soak: a fixed rate of intakes for N minutes. Prints errors, latency percentiles, the rate achieved and the
API process's resident memory at the start, middle and end (it should stay flat).

    .venv/bin/python bench/faults/soak.py --minutes 10 --rate 250     # the issue's figure
    .venv/bin/python bench/faults/soak.py --minutes 1 --rate 50       # a quick look
"""

import argparse
import time
from collections import Counter

from harness import percentiles, results, start_load, warmed_up  # type: ignore[import-not-found]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--rate", type=float, default=250.0, help="intakes a second")
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--timeout", type=float, default=30.0, help="the client's timeout per request, seconds")
    args = parser.parse_args()

    seconds = args.minutes * 60
    with warmed_up("csc-fault-soak-", workers=args.workers) as (db, api, work, agent):
        load = start_load(api.url, agent, args.rate, seconds, work / "load.jsonl", timeout=args.timeout)
        t0 = time.time()
        samples = [(0.0, api.rss_mib())]
        while load.poll() is None:
            time.sleep(min(10.0, max(1.0, seconds / 20)))
            samples.append((round(time.time() - t0, 1), api.rss_mib()))
        rows = results(work / "load.jsonl", t0)
        ok = [r for r in rows if 200 <= r["status"] < 300]
        errors = Counter(r["status"] or r["error"] for r in rows if not 200 <= r["status"] < 300)
        span = max(r["sent"] + r["took"] for r in rows) - min(r["sent"] for r in rows) if rows else 0.0
        middle = samples[len(samples) // 2]
        print(f"soak: {args.minutes} min at {args.rate}/s asked ({len(rows)} intakes), {args.workers} worker(s)")
        print(f"2xx {len(ok)}; errors {sum(errors.values())} {dict(errors)}")
        print(f"achieved {len(ok) / span:.1f} 2xx/s over {span:.0f} s" if span else "achieved: nothing")
        print(f"latency ms (2xx): {percentiles([r['took'] for r in ok], (50, 90, 99, 99.9))}")
        print(f"RSS MiB: start {samples[0][1]}, middle {middle[1]} (at {middle[0]} s), end {samples[-1][1]}; "
              f"max {max(s[1] for s in samples)}")


if __name__ == "__main__":
    main()
