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
from collections import Counter, defaultdict
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
from app.models import Assignment, Case, CaseEvent, OutboxEvent
from tests.conftest import _seed, _settings
from tests.pii_logs import LogScanner
from tests.simulation import views
from tests.simulation.actors import STEPS
from tests.simulation.affair import check_affairs
from tests.simulation.aid import check_aid
from tests.simulation.eldercare import check_eldercare
from tests.simulation.housing import check_housing
from tests.simulation.invariants import (
    check_cases,
    logs_carry_no_unmasked_numbers,
    no_work_on_retired_units,
    outbox_compare,
    outbox_one_row_per_unit,
    outbox_wanted,
)
from tests.simulation.mediation import check_mediation
from tests.simulation.timebank import check_timebank
from tests.simulation.world import World

START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)  # Monday; the simulated year crosses into 2027 and its notice
YEAR_MINUTES = 365 * 24 * 60
# time_passes' mean jump × its share of the steps (actors.STEPS)
MEAN_MINUTES_PER_STEP = 755 * 12 / sum(weight for _, weight in STEPS.values())
WEIGHTED = [name for name, (_, weight) in STEPS.items() for _ in range(weight)]


FULL_BATCH = 500  # cases read at once by the full sweep
FULL_EVERY = 2000  # steps between full sweeps of every invariant over everything (and one at the end of a run)


class District:
    def __init__(self, world: World, scanner: LogScanner, full_every: int = FULL_EVERY) -> None:
        self.world, self.scanner, self.full_every = world, scanner, full_every
        self.since_full: set[int] = set()  # cases touched since the last full sweep
        self.units_since_full: set[int] = set()  # units the new events named since then

    async def step(self, name: str) -> None:
        w = self.world
        w.stats.steps += 1
        w.stats.count(w.stats.actions, name)
        await STEPS[name][0](w)
        await self.check()
        if self.full_every and w.stats.steps % self.full_every == 0:
            await self.check_everything()

    async def check(self) -> None:
        """Every invariant, on what the step touched: the cases it changed and any the sweep changed (found by
        their new timeline events), their units' queues, the time-bank accounts and volunteers it touched, the new
        outbox rows and log records. The cost is what the step touched, not the size of the district."""
        w = self.world
        async with w.app.state.sessionmaker() as session:
            swept = set((await session.execute(select(CaseEvent.case_id).where(
                CaseEvent.id > w.last_event_id))).scalars())
        touched, w.touched = w.touched | swept, set()
        self.since_full |= touched
        new_events, leads, loaded = await check_cases(w, touched)
        await check_housing(w, loaded)
        await check_aid(w, loaded)
        await check_mediation(w, loaded)
        await check_affairs(w, loaded)
        await check_eldercare(w, loaded)
        await check_timebank(w)
        await outbox_one_row_per_unit(w, new_events, leads)
        await no_work_on_retired_units(w)
        if new_events:
            w.last_event_id = max(e.id for e in new_events)
        units = {u for e in new_events for u in (e.data or {}).get("co_unit_ids", []) +
                 [(e.data or {}).get("lead_unit_id"), (e.data or {}).get("previous_lead_unit_id")] if u}
        self.units_since_full |= units
        since = w.checked_at or START
        for unit in sorted(units):
            await views.queue_is_active_assignments(w, unit, since)
        for case_id in w.rnd.sample(sorted(touched), min(2, len(touched))):
            await views.units_that_left_cannot_see(w, case_id)
        if w.stats.steps % 10 == 0:
            await views.residents_see_only_their_own(w)
        if w.stats.steps % 25 == 0:
            await views.figures_equal_a_recount(w)
        logs_carry_no_unmasked_numbers(w, self.scanner)
        w.checked_at = w.clock.now()

    async def check_everything(self) -> None:
        """The full sweep: every invariant over everything, whatever the steps touched. Every case (in batches,
        with its kind's invariants), every outbox row against every event, every account, certified record and
        volunteer, every unit's whole queue, every resident's whole list, and that no unit that left any case touched
        since the last sweep can read it. Counted apart (`full_checks`)."""
        w = self.world
        began = time.monotonic()
        touched_checks, w.stats.checks = w.stats.checks, w.stats.full_checks
        try:
            await self._sweep_cases()
            lap = self._lap("cases and outbox", began)
            await check_timebank(w, everything=True)
            await no_work_on_retired_units(w)
            lap = self._lap("time bank", lap)
            async with w.app.state.sessionmaker() as session:  # ix_assignments_unit_active
                holding = set((await session.execute(select(Assignment.unit_id).where(
                    Assignment.active.is_(True)))).scalars())
            for unit in sorted(holding | self.units_since_full):  # a unit that left everything lists nothing
                await views.queue_is_active_assignments(w, unit)
            lap = self._lap("queues", lap)
            rows: dict[int, list] = defaultdict(list)
            async with w.app.state.sessionmaker() as session:  # ix_assignments_case
                for r in (await session.execute(select(Assignment.case_id, Assignment.unit_id, Assignment.active)
                                                .where(Assignment.case_id.in_(self.since_full)))).all():
                    rows[r.case_id].append((r.unit_id, r.active))
            for case_id in sorted(self.since_full):  # a case no step touched has had no assignment end
                await views.units_that_left_cannot_see(w, case_id, rows[case_id])
            self.since_full, self.units_since_full = set(), set()
            lap = self._lap("units that left", lap)
            for index in range(len(w.residents)):
                await views.residents_see_only_their_own(w, index, everything=True)
            await views.figures_equal_a_recount(w)
            logs_carry_no_unmasked_numbers(w, self.scanner)
            self._lap("residents, figures, logs", lap)
        finally:
            w.stats.checks = touched_checks
        w.stats.full_sweeps += 1
        w.stats.full_seconds += time.monotonic() - began

    def _lap(self, part: str, since: float) -> float:
        now = time.monotonic()
        seconds = self.world.stats.full_parts
        seconds[part] = round(seconds.get(part, 0.0) + now - since, 2)
        return now

    async def _sweep_cases(self) -> None:
        """Every case with its kind's invariants, in batches; every outbox row against every event."""
        w = self.world
        async with w.app.state.sessionmaker() as session:
            case_ids = list((await session.execute(select(Case.id).order_by(Case.id))).scalars())
            rows = (await session.execute(select(OutboxEvent.case_id, OutboxEvent.type, OutboxEvent.created_at,
                                                 OutboxEvent.unit_id).where(
                OutboxEvent.id > w.first_outbox_id))).all()
        want: Counter = Counter()
        for i in range(0, len(case_ids), FULL_BATCH):
            _, leads, loaded = await check_cases(w, case_ids[i:i + FULL_BATCH])
            await check_housing(w, loaded)
            await check_aid(w, loaded)
            await check_mediation(w, loaded)
            await check_affairs(w, loaded)
            await check_eldercare(w, loaded)
            want += outbox_wanted([e for _, events in loaded for e in events if e.id > w.first_event_id], leads)
        outbox_compare(Counter((r.case_id, r.type, r.created_at, r.unit_id) for r in rows), want)
        w.stats.count(w.stats.checks, "outbox_one_row_per_unit")


@asynccontextmanager
async def district(db_url: str, data_dir: Path, seed: int, full_every: int = FULL_EVERY) -> AsyncIterator[District]:
    """The app on `db_url` (migrated and seeded already), its clock at START, the world set up."""
    clock = FrozenClock(START)
    # Reference data (routing snapshot, calendar, profiles) cached as in production, where a process reloads what
    # it changed at once: the tests' setting (0 s, reload on every request) cost a fifth of every step. Only the
    # API changes reference data here, and it invalidates in-process, so a longer lifetime hides nothing; it would
    # rather show a change the app forgot to invalidate.
    settings = _settings(db_url, data_dir).model_copy(update={"routing_cache_seconds": 3600.0})
    app = create_app(settings, clock=clock, run_worker=False)
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
                yield District(world, scanner, full_every)
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


async def long_run(backend: str, steps: int, seed: int, report_every: int = 200, full_every: int = FULL_EVERY,
                   year_steps: int | None = None) -> dict:
    """One district for `steps` steps on one database; prints progress (steps per second overall and over the last
    `report_every` steps, full sweeps included), and at the end, after a last full sweep, the checks made.
    `year_steps`: spread the simulated year over that many steps instead (a short run as dense as a long one)."""
    dbs = await Databases.standalone(backend)
    url = await dbs.fresh()
    began = time.monotonic()
    try:
        async with district(url, dbs.folder, seed, full_every) as d:
            d.world.pace = min(1.0, YEAR_MINUTES / ((year_steps or steps) * MEAN_MINUTES_PER_STEP))
            stepping, last = time.monotonic(), time.monotonic()
            intervals: list[float] = []
            for i in range(1, steps + 1):
                try:
                    await d.step(d.world.rnd.choice(WEIGHTED))
                    if i == steps and not (d.full_every and steps % d.full_every == 0):
                        await d.check_everything()  # the end of the run: nothing unchecked
                except AssertionError:
                    print(f"VIOLATION at step {i}, seed {seed}, {backend}; the last steps:", flush=True)
                    print("\n".join(d.world.log), flush=True)
                    raise
                if i % report_every == 0:
                    now = time.monotonic()
                    intervals.append(now - last)
                    print(f"{backend} step {i}: {i / (now - stepping):.1f} steps/s ({report_every / (now - last):.1f} "
                          f"over the last {report_every}), simulated {d.world.clock.now():%Y-%m-%d}, "
                          f"{len(d.world.cases)} cases", flush=True)
                    last = now
            stats = d.world.stats
            return {"backend": backend, "seed": seed, "steps": stats.steps, "seconds": time.monotonic() - began,
                    "stepping_seconds": time.monotonic() - stepping,
                    "simulated_until": d.world.clock.now().isoformat(), "cases": len(d.world.cases),
                    "seconds_per_step_first_and_last": [round(t / report_every, 4) for t in intervals[:1] +
                                                        intervals[-1:]],
                    "full_sweeps": stats.full_sweeps, "full_sweep_seconds": round(stats.full_seconds, 1),
                    "full_sweep_seconds_by_part": stats.full_parts,
                    "checks": stats.checks, "full_checks": stats.full_checks, "actions": stats.actions,
                    "answers": stats.answers, "refusals": stats.refusals}
    finally:
        try:
            await dbs.drop(url)
        finally:  # interrupted (Ctrl-C cancels the drop): the server is stopped all the same
            dbs.close()


def run_long(backend: str, steps: int, seed: int, full_every: int = FULL_EVERY, year_steps: int | None = None) -> dict:
    return asyncio.run(long_run(backend, steps, seed, full_every=full_every, year_steps=year_steps))
