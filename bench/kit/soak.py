"""The soak: intake at half the measured maximum rate for minutes, the workers' memory read throughout, then
every case the soak stored checked whole.

Memory is each API worker's resident set (`VmRSS`) with the classifier loaded and after the flat-out runs
before the soak (so start-up's one-off caches are in the first figure); its growth is the last reading against
the first. "Whole" is what the simulation's invariants say of a case after every step (tests/simulation/
invariants.py: one active lead, assignments and status replaying the timeline, deadlines on working days, the
outbox rows the delivery rules call for, nothing more or less), and that every key the load generator sent
stored a 201 naming one of these cases, each case named by one key.
"""

import asyncio
import random
import time
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import func, select

from app.core.clock import SystemClock
from app.main import create_app
from app.models import CaseEvent, IdempotencyKey, OutboxEvent, Region, Unit
from bench.kit import load
from bench.kit.generate import settings_for
from bench.kit.scenarios import Config, Row, World, fmt_rate
from bench.kit.servers import AppServer, rss_mib
from tests.simulation.invariants import check_cases, outbox_one_row_per_unit
from tests.simulation.world import World as Checked

SAMPLE_SECONDS = 15.0
BATCH = 5_000


@dataclass
class Marks:
    """The newest ids before the soak: what comes after them is the soak's."""

    event: int
    outbox: int


async def marks(url: str, data_dir: Path) -> Marks:
    app = create_app(settings_for(url, data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        event = (await session.execute(select(func.max(CaseEvent.id)))).scalar() or 0
        outbox = (await session.execute(select(func.max(OutboxEvent.id)))).scalar() or 0
    return Marks(event, outbox)


async def check_whole(url: str, data_dir: Path, since: Marks, nonce: str) -> int:
    """Every case with an event after `since` whole, and every key the soak sent stored with a 201 naming a case
    of its own among them; answers how many keys (cases stored) there were. Raises on the first that is not."""
    app = create_app(settings_for(url, data_dir), clock=SystemClock(), run_worker=False)
    async with app.router.lifespan_context(app):
        w = Checked(app, None, SystemClock(), random.Random(0))  # type: ignore[arg-type]
        async with app.state.sessionmaker() as session:
            w.parents = dict((await session.execute(select(Region.code, Region.parent_code))).all())
            w.unit_region = dict((await session.execute(select(Unit.id, Unit.region_code))).all())
            touched = set((await session.execute(select(CaseEvent.case_id).where(
                CaseEvent.id > since.event))).scalars())
            keys = (await session.execute(select(IdempotencyKey.key, IdempotencyKey.state,
                                                 IdempotencyKey.response_status, IdempotencyKey.response_body)
                                          .where(IdempotencyKey.key.like(f"{nonce}-%")))).all()
        w.last_event_id, w.last_outbox_id = since.event, since.outbox
        events, leads = [], {}
        ordered = sorted(touched)  # a likely duplicate's old case may have an event too
        for at in range(0, len(ordered), BATCH):  # within every driver's limit of bound parameters
            some, their_leads, _ = await check_cases(w, ordered[at:at + BATCH])
            events += some
            leads.update(their_leads)
        events.sort(key=lambda e: e.id)
        await outbox_one_row_per_unit(w, events, leads)
    named = [k.response_body.get("id") if isinstance(k.response_body, dict) else None for k in keys]
    bad = [k.key for k, case in zip(keys, named, strict=True)
           if k.state != "done" or k.response_status != 201 or case not in touched]
    if bad or len(set(named)) != len(named):
        raise AssertionError(f"soak: of {len(keys)} keys, not answered 201 with a case of the soak: {bad[:5]}; "
                             f"cases named twice: {len(named) - len(set(named))}")
    return len(keys)


def rss_row(server: AppServer, label: str, rss: dict[int, float] | None = None) -> Row:
    """Each worker's resident set (read now unless given), the largest against the target."""
    rss = rss or {pid: rss_mib(pid) for pid in server.worker_pids()}
    each = ", ".join(f"{v:.0f}" for v in rss.values())
    return Row(f"RSS per worker, classifier loaded ({label})", "", f"{max(rss.values()):.0f} MiB",
               f"{len(rss)} workers: {each} MiB" if len(rss) > 1 else "",
               target="≤ 300 MiB", met=max(rss.values()) <= 300)


async def soak(world: World, cfg: Config, server: AppServer, bodies: list[tuple[str, str]], *, rate: float,
               minutes: float, label: str) -> list[Row]:
    pids = server.worker_pids()
    since = await marks(world.url, world.data_dir)
    first = {pid: rss_mib(pid) for pid in pids}
    peak = dict(first)
    nonce = f"soak-{time.time_ns()}"
    job = asyncio.create_task(asyncio.to_thread(
        load.run, world.base_url, bodies, headers=world.headers["agent"], method="POST",
        connections=cfg.connections, seconds=minutes * 60, rate=rate, nonce=nonce))
    while not job.done():
        await asyncio.wait({job}, timeout=SAMPLE_SECONDS)
        peak = {pid: max(peak[pid], rss_mib(pid)) for pid in pids}
    got = job.result()
    last = {pid: rss_mib(pid) for pid in pids}
    growth = max((last[pid] - first[pid]) / first[pid] for pid in pids)
    cases = await check_whole(world.url, world.data_dir, since, nonce)  # raises unless every case is whole
    whole = got.errors == 0 and cases >= got.requests  # requests in flight at the end are stored, not counted
    per_worker = ", ".join(f"{first[p]:.0f} → {last[p]:.0f} (peak {peak[p]:.0f})" for p in pids)
    return [
        rss_row(server, label, first),
        Row(f"soak: intake at half the maximum rate, {minutes:g} min ({label})", "",
            f"{fmt_rate(got)}; {cases:,} cases stored, every one whole", f"RSS MiB per worker: {per_worker}",
            growth, "errors 0, growth ≤ 5%", whole and growth <= 0.05,
            note="ratio: the largest worker's growth"),
    ]
