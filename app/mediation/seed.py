"""Loads dispute types and hand-off routes (seed/mediation.yaml) the database lacks; rows administrators changed
stay."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun, read_yaml
from app.models import DisputeType, MediationHandoff


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    data = read_yaml(run.seed_dir / "mediation.yaml")
    changed = 0
    types = set((await session.execute(select(DisputeType.code))).scalars())
    for item in data["dispute_types"]:
        if item["code"] not in types:
            session.add(DisputeType(code=item["code"], name=item["name"], name_en=item["name_en"],
                                    category_code=item["category"], reserved_to=item.get("reserved_to"),
                                    reserved_to_en=item.get("reserved_to_en"), other_routes=item["other_routes"]))
            changed += 1
    handoffs = set((await session.execute(select(MediationHandoff.code))).scalars())
    for item in data["handoffs"]:
        if item["code"] not in handoffs:
            session.add(MediationHandoff(**item))
            changed += 1
    await session.flush()
    return {"mediation": changed}
