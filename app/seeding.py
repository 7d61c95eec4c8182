"""Loads seed/ into the database through every package's seed loader, in the registry's order. Idempotent: a
second run changes nothing. Never commits.

Rows that administrators may edit afterwards (rules, articles, units) are only inserted when missing.
"""

import logging
from datetime import datetime
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun
from app.registry import plugins

log = logging.getLogger("app.seed")


async def _run(session: AsyncSession, seed_dir: Path, now: datetime, *, upgrade: bool) -> dict[str, int]:
    installed = plugins()
    run = SeedRun(seed_dir=seed_dir, now=now, upgrade=upgrade, profile_sections=installed.profile_sections)
    report: dict[str, int] = {}
    for package in installed.packages:
        if package.seed is not None:
            report.update(await package.seed(session, run))
    return report


async def seed_all(session: AsyncSession, seed_dir: Path, now: datetime) -> dict[str, int]:
    report = await _run(session, seed_dir, now, upgrade=False)
    log.info("seeded", extra={"detail": report})
    return report


async def seed_upgrade(session: AsyncSession, seed_dir: Path, now: datetime | None = None) -> dict[str, int]:
    """What an existing database needs after an upgrade, every time it is served: the seed-owned deadline
    profiles and care policies (a new release may add fields the code reads), unit-kind names, and reference
    rows a release adds (units, skills, 低保 lines, dispute types). Rows that exist are left as administrators
    keep them."""
    from app.core.clock import SystemClock

    report = await _run(session, seed_dir, now or SystemClock().now(), upgrade=True)
    log.info("seeded an existing database", extra={"detail": report})
    return report
