"""The long run: `python -m tests.simulation --backend sqlite --steps 100000 [--seed N]`.

One district, one database, a simulated year spread over the steps; every invariant after every step on what the step
touched, and over everything every `--full-every` steps and at the end. Prints the seed first, progress every 200
steps, and at the end steps per second and how often each invariant was checked (as JSON).
A violation prints the seed and the last steps, and exits 1.
"""

import argparse
import json
import random
import signal
import sys

from tests.simulation.run import FULL_EVERY, run_long


def _stop_on_term(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # leaves through atexit, which stops the PostgreSQL server the run started


def main() -> int:
    signal.signal(signal.SIGTERM, _stop_on_term)
    parser = argparse.ArgumentParser(prog="python -m tests.simulation")
    parser.add_argument("--backend", choices=["sqlite", "postgresql"], default="sqlite")
    parser.add_argument("--steps", type=int, default=100_000)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("--full-every", type=int, default=FULL_EVERY,
                        help="steps between full sweeps of every invariant over everything (0: only at the end)")
    parser.add_argument("--year-steps", type=int, default=None,
                        help="spread the simulated year over this many steps (default: --steps); a short run with "
                             "--year-steps 100000 is as dense as the long run")
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else random.randrange(2**32)
    print(f"simulation seed {seed} on {args.backend}, {args.steps} steps", flush=True)
    try:
        result = run_long(args.backend, args.steps, seed, args.full_every, args.year_steps)
    except AssertionError as exc:
        print(f"FAILED (seed {seed}): {exc}", flush=True)
        return 1
    result["steps_per_second"] = round(result["steps"] / result["seconds"], 1)
    print(json.dumps(result, indent=2, ensure_ascii=False), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
