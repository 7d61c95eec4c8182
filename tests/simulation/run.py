"""One simulated district on one database: build it, take steps, check every invariant after each.

`District` is what both drivers use: the Hypothesis state machine (tests/simulation/machine.py, for CI, so a
violation shrinks) and the long run (`python -m tests.simulation`, a plain seeded loop, since a year of steps is
far beyond what Hypothesis explores in one example).
"""

import asyncio
import functools
import logging
import random
import shutil
import tempfile
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.accounts import service as accounts
from app.core.clock import FrozenClock
from app.main import create_app
from app.models import CaseEvent
from tests.conftest import _seed, _settings
from tests.pii_logs import LogScanner
from tests.simulation import views
from tests.simulation.actors import STEPS
from tests.simulation.aid import check_aid
from tests.simulation.housing import check_housing
from tests.simulation.invariants import check_cases, logs_carry_no_unmasked_numbers, outbox_one_row_per_unit
from tests.simulation.mediation import check_mediation
from tests.simulation.timebank import check_timebank
from tests.simulation.world import World

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday; the simulated year crosses into 2027 and its notice
YEAR_MINUTES = 365 * 24 * 60
# time_passes' mean jump × its share of the steps (actors.STEPS)
MEAN_MINUTES_PER_STEP = 755 * 12 / sum(weight for _, weight in STEPS.values())
WEIGHTED = [name for name, (_, weight) in STEPS.items() for _ in range(weight)]


class District:
    def __init__(self, world: World, scanner: LogScanner) -> None:
        self.world, self.scanner = world, scanner

    async def step(self, name: str) -> None:
        w = self.world
        w.stats.steps += 1
        w.stats.count(w.stats.actions, name)
        await STEPS[name][0](w)
        await self.check()

    async def check(self) -> None:
        """Every invariant, on what the step touched (the cases it changed, and any the sweep changed)."""
        w = self.world
        async with w.app.state.sessionmaker() as session:
            swept = set((await session.execute(select(CaseEvent.case_id).where(
                CaseEvent.id > w.last_event_id))).scalars())
        touched, w.touched = w.touched | swept, set()
        new_events, leads = await check_cases(w, touched)
        await check_housing(w, touched)
        await check_aid(w, touched)
        await check_mediation(w, touched)
        await check_timebank(w)
        await outbox_one_row_per_unit(w, new_events, leads)
        if new_events:
            w.last_event_id = max(e.id for e in new_events)
        units = {u for e in new_events for u in (e.data or {}).get("co_unit_ids", []) +
                 [(e.data or {}).get("lead_unit_id"), (e.data or {}).get("previous_lead_unit_id")] if u}
        for unit in w.rnd.sample(sorted(units), min(2, len(units))):
            await views.queue_is_active_assignments(w, unit)
        for case_id in w.rnd.sample(sorted(touched), min(2, len(touched))):
            await views.units_that_left_cannot_see(w, case_id)
        if w.stats.steps % 10 == 0:
            await views.residents_see_only_their_own(w)
        if w.stats.steps % 25 == 0:
            await views.figures_equal_a_recount(w)
        logs_carry_no_unmasked_numbers(w, self.scanner)


@asynccontextmanager
async def district(db_url: str, data_dir: Path, seed: int) -> AsyncIterator[District]:
    """The app on `db_url` (migrated and seeded already), its clock at START, the world set up."""
    clock = FrozenClock(START)
    app = create_app(_settings(db_url, data_dir), clock=clock, run_worker=False)
    scanner = LogScanner()
    root = logging.getLogger()
    root.addHandler(scanner)
    # Hundreds of staff accounts: hash the one password once (the hash is as valid; the slowness is the point of
    # a password hash, not of a simulation).
    hasher = accounts.hash_password
    accounts.hash_password = functools.cache(hasher)  # type: ignore[assignment]
    try:
        async with app.router.lifespan_context(app):
            async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as client:
                world = World(app, client, clock, random.Random(seed))
                await world.setup()
                yield District(world, scanner)
    finally:
        accounts.hash_password = hasher  # type: ignore[assignment]
        root.removeHandler(scanner)


class Databases:
    """Fresh copies of a migrated, seeded template: a file copy on SQLite, CREATE DATABASE ... TEMPLATE on
    PostgreSQL (the tests' way, tests/conftest.py)."""

    def __init__(self, backend: str, sqlite_template: Path | None = None, pg_server=None,
                 pg_template: str | None = None) -> None:
        self.backend, self.sqlite_template = backend, sqlite_template
        self.pg_server, self.pg_template = pg_server, pg_template
        self.folder = Path(tempfile.mkdtemp(prefix="csc-sim-"))
        self.count = 0

    @classmethod
    async def standalone(cls, backend: str) -> "Databases":
        folder = Path(tempfile.mkdtemp(prefix="csc-sim-template-"))
        if backend == "sqlite":
            await _seed(f"sqlite+aiosqlite:///{folder / 'template.db'}", folder)
            return cls("sqlite", sqlite_template=folder / "template.db")
        from tests.pg_server import PostgresServer

        server = PostgresServer().start()
        conn = await asyncpg.connect(server.url().replace("+asyncpg", ""))
        await conn.execute("CREATE DATABASE sim_template")
        await conn.close()
        await _seed(server.url("sim_template"), folder)
        return cls("postgresql", pg_server=server, pg_template="sim_template")

    async def fresh(self) -> str:
        self.count += 1
        if self.backend == "sqlite":
            target = self.folder / f"sim-{self.count}.db"
            shutil.copy(self.sqlite_template, target)  # type: ignore[arg-type]
            return f"sqlite+aiosqlite:///{target}"
        name = f"csc_sim_{self.count}_{random.randrange(10**6)}"
        admin = await asyncpg.connect(self.pg_server.url().replace("+asyncpg", ""))
        await admin.execute(f"CREATE DATABASE {name} TEMPLATE {self.pg_template}")
        await admin.close()
        return self.pg_server.url(name)

    async def drop(self, url: str) -> None:
        if self.backend == "sqlite":
            await asyncio.to_thread(Path(url.removeprefix("sqlite+aiosqlite:///")).unlink, missing_ok=True)
            return
        admin = await asyncpg.connect(self.pg_server.url().replace("+asyncpg", ""))
        await admin.execute(f"DROP DATABASE IF EXISTS {url.rsplit('/', 1)[1]} WITH (FORCE)")
        await admin.close()

    def close(self) -> None:
        shutil.rmtree(self.folder, ignore_errors=True)
        if self.pg_server is not None and self.pg_template == "sim_template":
            self.pg_server.stop()


async def long_run(backend: str, steps: int, seed: int, report_every: int = 200) -> dict:
    """One district for `steps` steps on one database; prints progress, steps per second and the checks made."""
    dbs = await Databases.standalone(backend)
    url = await dbs.fresh()
    began = time.monotonic()
    try:
        async with district(url, dbs.folder, seed) as d:
            d.world.pace = min(1.0, YEAR_MINUTES / (steps * MEAN_MINUTES_PER_STEP))
            for i in range(1, steps + 1):
                try:
                    await d.step(d.world.rnd.choice(WEIGHTED))
                except AssertionError:
                    print(f"VIOLATION at step {i}, seed {seed}, {backend}; the last steps:", flush=True)
                    print("\n".join(d.world.log), flush=True)
                    raise
                if i % report_every == 0:
                    elapsed = time.monotonic() - began
                    print(f"{backend} step {i}: {i / elapsed:.1f} steps/s, simulated {d.world.clock.now():%Y-%m-%d}, "
                          f"{len(d.world.cases)} cases", flush=True)
            stats = d.world.stats
            return {"backend": backend, "seed": seed, "steps": stats.steps, "seconds": time.monotonic() - began,
                    "simulated_until": d.world.clock.now().isoformat(), "cases": len(d.world.cases),
                    "checks": stats.checks, "actions": stats.actions, "answers": stats.answers,
                    "refusals": stats.refusals}
    finally:
        try:
            await dbs.drop(url)
        finally:  # interrupted (Ctrl-C cancels the drop): the server is stopped all the same
            dbs.close()


def run_long(backend: str, steps: int, seed: int) -> dict:
    return asyncio.run(long_run(backend, steps, seed))
