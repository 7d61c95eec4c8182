"""Intake: POST /hotline/orders through HTTP against two ceilings measured in the same run.

- the fixed ceiling (ceiling.py): the minimal transaction a new case must persist on the bare driver, which the
  application's SQL cannot move; the targets are against it;
- the replay (capture.py): the application's own statements replayed raw, a diagnostic of what its SQL costs.

Also: the server's CPU per intake (from /proc, every process of the server's group, the measured runs only) and
the rest of the machine's, p99 at half the measured maximum rate beside an intake's latency alone, and on
PostgreSQL the scaling from one to two API processes with the most the machine's cores allow.
"""

import asyncio
import json
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import httpx

from app.hotline.classifier import load_examples
from bench.kit import ceiling, load, sampling
from bench.kit.capture import raw_rate_pg, raw_rate_sqlite
from bench.kit.generate import TYPES, settings_for
from bench.kit.scenarios import Config, Row, World, capture, fmt_rate
from bench.kit.servers import AppServer

CLK = os.sysconf("SC_CLK_TCK")


def intake_bodies(world: World, n: int = 400, seed: int = 11) -> list[tuple[str, str]]:
    rnd = random.Random(seed)
    examples = load_examples(settings_for(world.url, world.data_dir).seed_dir)
    out = []
    for i in range(n):
        code, address = rnd.choice(world.communities)
        body = {"caller_phone": f"139{rnd.randrange(10**8):08d}", "caller_name": "王女士",
                "work_order_type": rnd.choices(list(TYPES), list(TYPES.values()))[0],
                "description": rnd.choice(examples).text}
        if i % 2:
            body["address"] = address  # resolved by the gazetteer
        else:
            body["region_code"] = code
        out.append(("/hotline/orders", json.dumps(body, ensure_ascii=False)))
    return out


def group_cpu_seconds(pgid: int) -> float:
    """User + system CPU of every live process in a process group (the server and its workers)."""
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[2]) == pgid:  # fields after the name: state, ppid, pgrp, ...
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / CLK


def machine_busy_seconds() -> float:
    """CPU time every core of the machine spent busy since boot (/proc/stat: all but idle and iowait)."""
    fields = [int(x) for x in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:9]]
    user, nice, system, _idle, _iowait, irq, softirq, steal = fields
    return (user + nice + system + irq + softirq + steal) / CLK


@dataclass(frozen=True)
class Usage:
    """Where the CPU went through a measured load: the server's processes, and the rest of the machine (the
    database server, the load generator, the kernel)."""
    requests: int
    wall: float
    server: float  # CPU seconds
    machine: float

    @property
    def server_ms(self) -> float:
        return self.server * 1000 / max(1, self.requests)

    @property
    def rest_ms(self) -> float:
        return (self.machine - self.server) * 1000 / max(1, self.requests)

    def cores(self, seconds: float) -> float:
        return seconds / self.wall


def measured(server: AppServer, go: Callable[[], load.Result]) -> tuple[load.Result, Usage]:
    """`go` (runs with no warm-up of their own), and the CPU its runs took."""
    assert server.proc is not None
    app, machine, wall = group_cpu_seconds(server.proc.pid), machine_busy_seconds(), time.perf_counter()
    result = go()
    return result, Usage(result.requests, time.perf_counter() - wall, group_cpu_seconds(server.proc.pid) - app,
                         machine_busy_seconds() - machine)


async def _warm(world: World, bodies: list[tuple[str, str]], base_url: str | None = None) -> None:
    # The server trains its classifier on the first call; that one-off belongs to start-up, not to the figures.
    async with httpx.AsyncClient(base_url=base_url or world.base_url, timeout=300) as client:
        for i in range(4):  # with several workers, likely each one
            first = await client.post("/hotline/orders", content=bodies[i][1].encode(),
                                      headers={**world.headers["agent"], "Content-Type": "application/json"})
            assert first.status_code == 201, first.text


def _flat_out(base_url: str, bodies: list[tuple[str, str]], world: World, cfg: Config, connections: int,
              tag: str, rate: float | None = None, warm: bool = True) -> load.Result:
    return load.median_of(base_url, bodies, headers=world.headers["agent"], method="POST", connections=connections,
                          seconds=cfg.seconds, runs=cfg.runs, warmup=cfg.warmup if rate is None and warm else 0,
                          nonce=f"{tag}-{time.time_ns()}", rate=rate)


def _measured_flat_out(server: AppServer, base_url: str, bodies: list[tuple[str, str]], world: World, cfg: Config,
                       connections: int, tag: str) -> tuple[load.Result, Usage]:
    """Flat out after a warm-up run of its own, the CPU counted over the measured runs only (not the warm-up's)."""
    load.run(base_url, bodies, headers=world.headers["agent"], method="POST", connections=connections,
             seconds=cfg.warmup, nonce=f"{tag}-w-{time.time_ns()}")
    return measured(server, lambda: _flat_out(base_url, bodies, world, cfg, connections, tag, warm=False))


async def _fixed(dialect: str, dsn: str | None, sqlite_path: str | None, connections: int,
                 cfg: Config) -> tuple[float, float]:
    """The fixed ceiling's rate (median of the runs) and its p99 (ms)."""
    if dialect == "postgresql":
        assert dsn is not None
        got = [await ceiling.pg_rate(dsn, concurrency=connections, seconds=cfg.seconds) for _ in range(cfg.runs)]
    else:
        assert sqlite_path is not None
        got = [await ceiling.sqlite_rate(sqlite_path, seconds=cfg.seconds) for _ in range(cfg.runs)]
    rate = statistics.median(r for r, _ in got)
    lat = sorted(x for _, ls in got for x in ls)
    return rate, lat[min(len(lat) - 1, int(.99 * len(lat)))]


async def intake(world: World, cfg: Config, server: AppServer, *, dialect: str, dsn: str | None = None,
                 sqlite_path: str | None = None, workers: int = 1) -> tuple[list[Row], float]:
    """The intake rows, and the maximum rate measured (the soak runs at half of it)."""
    bodies = intake_bodies(world)
    connections = cfg.connections if dialect == "postgresql" else min(cfg.connections, cfg.sqlite_connections)
    label = "PostgreSQL" if dialect == "postgresql" else "SQLite"
    await _warm(world, bodies)
    bare = load.median_of(world.base_url, [("/healthz", None)], headers={}, connections=connections,
                          seconds=cfg.seconds, runs=cfg.runs, warmup=cfg.warmup)
    api, usage = _measured_flat_out(server, world.base_url, bodies, world, cfg, connections, "intake")
    cpu_ms = usage.server_ms
    half = _flat_out(world.base_url, bodies, world, cfg, connections, "intake-half", rate=max(1.0, api.rate / 2))
    # One request at a time: an intake's latency with nothing to wait for, the floor the tail above stands on.
    alone = load.run(world.base_url, bodies, headers=world.headers["agent"], method="POST", connections=1,
                     seconds=cfg.seconds, nonce=f"intake-alone-{time.time_ns()}")
    profile = _profile(world, bodies, server, cfg, connections)
    fixed_rate, fixed_p99 = await _fixed(dialect, dsn, sqlite_path, connections, cfg)
    cap = await capture(world, "POST", "/hotline/orders", world.headers["agent"], json.loads(bodies[0][1]))
    if dialect == "postgresql":
        assert dsn is not None
        raws = [await raw_rate_pg(dsn, cap, concurrency=connections, seconds=cfg.seconds) for _ in range(cfg.runs)]
    else:
        assert sqlite_path is not None
        raws = [await asyncio.to_thread(raw_rate_sqlite, sqlite_path, cap, seconds=cfg.seconds)
                for _ in range(cfg.runs)]
    replay_rate = statistics.median(r for r, _ in raws)
    ratio = api.rate / fixed_rate
    target = 0.25 if dialect == "postgresql" else 0.30
    driver = "asyncpg, prepared" if dialect == "postgresql" else "aiosqlite, WAL, synchronous=NORMAL"
    return [
        Row(f"intake POST /hotline/orders ({label}, {connections} connections)", "", fmt_rate(api),
            f"fixed raw transaction ({driver}; idempotency row, case, assignment, 2 events, outbox): "
            f"{fixed_rate:,.0f} tx/s, p99 {fixed_p99:.1f} ms", ratio, f"≥ {target:.2f}", ratio >= target,
            note=f"serve --workers {workers}" if dialect == "postgresql" else ""),
        Row(f"intake ÷ replay of its own SQL ({label})", "", f"{api.rate:,.0f} req/s",
            f"raw replay of the same {len(cap.statements)} statements ({cap.describe()}): {replay_rate:,.0f} tx/s",
            api.rate / replay_rate, note="diagnostic"),
        Row(f"intake at half the maximum rate ({label})", "", fmt_rate(half),
            f"one connection, one intake at a time: {fmt_rate(alone)}", target="p99 ≤ 50 ms",
            met=half.p99_ms <= 50 and half.errors == 0),
        Row(f"intake CPU per request, server processes ({label})", "", f"{cpu_ms:.1f} ms",
            f"by leaf frame's package (py-spy on the thread holding the GIL, flat out): {profile}; the rest of "
            f"the machine (database server, load generator, kernel) {usage.rest_ms:.1f} ms an intake",
            target="≤ 2.5 ms", met=cpu_ms <= 2.5,
            note="bench/profile_intake.py breaks it down further, in process"),
        Row(f"intake ÷ bare endpoint ({label})", "", f"{api.rate:,.0f} req/s",
            f"GET /healthz on the same server: {bare.rate:,.0f} req/s", api.rate / bare.rate,
            note="framework ceiling"),
    ], api.rate


def _profile(world: World, bodies: list[tuple[str, str]], server: AppServer, cfg: Config, connections: int) -> str:
    """The workers sampled by py-spy through one flat-out run, by package; what went wrong if it could not."""
    with tempfile.TemporaryDirectory() as out:
        try:
            recorders = sampling.start(server.worker_pids(), cfg.seconds, Path(out))
        except RuntimeError as exc:
            return f"not sampled: {exc}"
        load.run(world.base_url, bodies, headers=world.headers["agent"], method="POST", connections=connections,
                 seconds=cfg.seconds, nonce=f"profile-{time.time_ns()}")
        try:
            return sampling.summary(sampling.finish(recorders))
        except RuntimeError as exc:
            return f"not sampled: {exc}"


async def scaling(world: World, cfg: Config, url: str, data_dir: Path) -> list[Row]:
    """PostgreSQL intake with `serve --workers 2` against `--workers 1`, each its own server, in the same run, and
    where the machine's CPU went in each (the database server and the load generator share the cores)."""
    bodies = intake_bodies(world, seed=12)
    rates: dict[int, tuple[load.Result, Usage]] = {}
    for workers in (1, 2):
        server = AppServer(url, data_dir, workers=workers).start()
        try:
            await _warm(world, bodies, server.url)
            rates[workers] = _measured_flat_out(server, server.url, bodies, world, cfg, cfg.connections,
                                                f"scale{workers}")
        finally:
            server.stop()
    (one, one_use), (two, two_use) = rates[1], rates[2]
    ratio = two.rate / one.rate
    return [Row(f"intake, serve --workers 2 ÷ --workers 1 (PostgreSQL, {cfg.connections} connections)", "",
                fmt_rate(two), f"--workers 1: {fmt_rate(one)}", ratio, "≥ 1.7", ratio >= 1.7,
                note=scaling_bound(one_use, two_use, one.rate))]


def scaling_bound(one: Usage, two: Usage, one_rate: float) -> str:
    """What the machine allows the ratio to reach: at --workers 2 every intake costs the server's CPU and the rest
    of the machine's (database, load generator, kernel); the cores divided by that is the most two workers can do.
    """
    cores = os.cpu_count() or 1
    per_intake = two.machine / max(1, two.requests)  # seconds of the machine's CPU per intake
    most = cores / per_intake
    return (f"CPU per intake, server + rest of the machine: --workers 1 {one.server_ms:.1f} + {one.rest_ms:.1f} ms "
            f"(server {one.cores(one.server):.2f} cores, machine {one.cores(one.machine):.2f} of {cores}); "
            f"--workers 2 {two.server_ms:.1f} + {two.rest_ms:.1f} ms (machine {two.cores(two.machine):.2f} of "
            f"{cores}): {cores} cores ÷ {per_intake * 1000:.1f} ms = {most:,.0f} intakes/s at most, a ratio of at "
            f"most {most / one_rate:.2f} on this machine")
