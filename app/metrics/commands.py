"""The rollups' maintenance commands, for the command line (`python -m app metrics-rollups [--check]`, wired in
app/cli.py) and the benchmarks.

`check` recounts every figure from the raw rows and lists the rollup cells that differ (exit status 1 if any);
`rebuild` replaces the stored contributions and the rollups with that recount, in one transaction.
"""

import time
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.metrics import rollups


@dataclass(frozen=True)
class Outcome:
    cases: int
    differences: list[rollups.Difference]
    unit_rows: int
    street_rows: int
    seconds: float

    def report(self, rebuilt: bool) -> str:
        head = (f"{'rebuilt' if rebuilt else 'recounted'} {self.cases:,} cases into {self.unit_rows:,} unit-day and "
                f"{self.street_rows:,} street-day rows in {self.seconds:.1f} s")
        if rebuilt:
            return head
        if not self.differences:
            return head + "; the rollups equal the recount"
        shown = "\n".join(f"  {d}" for d in self.differences[:50])
        more = f"\n  … and {len(self.differences) - 50} more" if len(self.differences) > 50 else ""
        return f"{head}; {len(self.differences)} cells differ:\n{shown}{more}"


async def run(settings: Settings, *, rebuild: bool, now: datetime) -> Outcome:
    zone = ZoneInfo(settings.timezone)
    engine = make_engine(settings)
    started = time.perf_counter()
    try:
        async with make_sessionmaker(engine)() as session:
            if rebuild:
                counted = await session.run_sync(lambda s: rollups.rebuild(s, zone, now))
                await session.commit()
                diffs: list[rollups.Difference] = []
            else:
                counted, diffs = await session.run_sync(lambda s: rollups.compare(s, zone))
    finally:
        await engine.dispose()
    return Outcome(counted.cases, diffs, len(counted.units), len(counted.streets), time.perf_counter() - started)


def add_commands(sub: Any) -> None:
    """The subcommand, added to app/cli.py's parser."""
    cmd = sub.add_parser("metrics-rollups", help="recount the performance figures and compare them with the daily "
                                                 "rollups (--check, the default), or replace the rollups with the "
                                                 "recount (--rebuild)")
    mode = cmd.add_mutually_exclusive_group()
    mode.add_argument("--check", action="store_true", help="list the rollup cells that differ (exit status 1 if any)")
    mode.add_argument("--rebuild", action="store_true", help="replace the rollups with the recount, in one "
                                                             "transaction")


def cli(settings: Settings, *, rebuild: bool) -> int:
    """`python -m app metrics-rollups [--check | --rebuild]`: prints the outcome; the exit status is 1 when a
    check finds cells that differ. app/cli.py (the assembly) wires the subcommand to this."""
    import asyncio

    from app.core.clock import SystemClock

    outcome = asyncio.run(run(settings, rebuild=rebuild, now=SystemClock().now()))
    print(outcome.report(rebuilt=rebuild))
    return 1 if outcome.differences else 0
