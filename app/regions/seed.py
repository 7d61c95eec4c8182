"""Loads the gazetteer (seed/regions.csv) into the regions table: new codes added, changed names and old names
followed. Parents precede children in the file."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun, read_csv, upsert
from app.models import Region


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    if run.upgrade:
        return {}
    existing = {r.code: r for r in (await session.execute(select(Region))).scalars()}
    changed = 0
    for row in read_csv(run.seed_dir / "regions.csv"):
        values = {
            "name": row["name"], "name_en": row.get("name_en") or None, "level": row["level"],
            "parent_code": row["parent_code"] or None,
            "statistical": row["statistical"] == "1",
            "aliases": [a for a in row["aliases"].split("|") if a],
        }
        changed += upsert(session, existing.get(row["code"]), Region, {"code": row["code"]}, values)
    await session.flush()
    return {"regions": changed}
