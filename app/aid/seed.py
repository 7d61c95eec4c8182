"""Loads the 低保 lines (seed/aid_lines.yaml) the database lacks; lines administrators changed stay."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun, read_yaml
from app.models import AidLine


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    lines = {(r.district_code, r.effective_from) for r in (await session.execute(select(AidLine))).scalars()}
    changed = 0
    for item in read_yaml(run.seed_dir / "aid_lines.yaml"):
        if (item["district_code"], item["effective_from"]) not in lines:
            session.add(AidLine(**item))
            changed += 1
    await session.flush()
    return {"aid_lines": changed}
