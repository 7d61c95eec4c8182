"""Loads life events and service-guide items (seed/affairs.yaml) the database lacks, each checked like an
administrator's submission. Items already present (any version) are left alone: versions published through
the API are the administrators' to keep."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.affair.schemas import ServiceItemCreate
from app.core.seeds import SeedRun, read_yaml
from app.models import LifeEvent, ServiceItem


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    path = run.seed_dir / "affairs.yaml"
    if run.upgrade or not path.exists():
        return {}
    data = read_yaml(path)
    events = set((await session.execute(select(LifeEvent.code))).scalars())
    for e in data.get("life_events") or []:
        if e["code"] not in events:
            session.add(LifeEvent(code=e["code"], name=e["name"], name_en=e["name_en"]))
    existing = set((await session.execute(select(ServiceItem.code))).scalars())
    changed = 0
    for raw in data.get("items") or []:
        if raw["code"] in existing:
            continue
        body = ServiceItemCreate.model_validate(raw)
        session.add(ServiceItem(
            code=body.code, version=1, current=True, status="active", category_code=body.category,
            fees=body.fees.model_dump(), materials=[m.model_dump() for m in body.materials], created_at=run.now,
            **body.model_dump(exclude={"code", "category", "fees", "materials"})))
        changed += 1
    await session.flush()
    return {"service_items": changed}
