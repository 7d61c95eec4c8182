"""Loads the places of seed/places/*.csv through the import's checks: places the database lacks are added (on an
upgrade too, so a release's new places arrive); places already stored stay as administrators keep them. A seed
file with a problem fails a fresh seed, naming the row; on an upgrade the row is left out and logged."""

import logging
import secrets
from collections.abc import Mapping

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import message
from app.core.seeds import SeedRun
from app.imports import service

log = logging.getLogger("app.seed")


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    paths = sorted((run.seed_dir / "places").glob("*.csv"))
    if not paths:
        return {}
    batch = service.parse([(f"seed/places/{p.name}", p.read_bytes()) for p in paths])
    world = await service.load_world(session)
    city_code, box, tolerance = service.city(run.seed_dir)
    problems = service.check(batch, world, profile_sections=run.profile_sections, city_code=city_code, box=box,
                             tolerance_m2=tolerance)
    if problems:
        shown = "; ".join(f"{p.file}:{p.line} {p.column or ''} {message(p.code, True, **p.params)}"
                          for p in problems[:5])
        if not run.upgrade:
            raise ValueError(f"seed places have {len(problems)} problems: {shown}")
        # An existing database an administrator has edited may disagree with a new seed row: that row is left out
        # (and logged) rather than stopping the server from starting.
        log.warning("seed places left out", extra={"detail": {"problems": len(problems), "first": shown}})
        bad = {(p.file, p.line) for p in problems}
        batch.rows = [r for r in batch.rows if (r.file, r.line) not in bad]
    batch.rows = [r for r in batch.rows if r.key not in world.places]
    if not batch.rows:
        return {"places": 0}
    changes, _ = await service.apply(session, batch, world, now=run.now, actor=None,
                                     secrets_for=lambda: secrets.token_urlsafe(32))
    return {"places": changes.get("places", {}).get("inserted", 0)}
