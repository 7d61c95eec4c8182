from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Region, Unit, UnitKind


async def get(session: AsyncSession, unit_id: int) -> Unit | None:
    return await session.get(Unit, unit_id)


async def get_many(session: AsyncSession, ids: set[int]) -> dict[int, Unit]:
    if not ids:
        return {}
    rows = (await session.execute(select(Unit).where(Unit.id.in_(ids)))).scalars()
    return {u.id: u for u in rows}


async def kinds(session: AsyncSession) -> list[UnitKind]:
    return list((await session.execute(select(UnitKind).order_by(UnitKind.code))).scalars())


async def search(session: AsyncSession, *, kind: str | None, region_prefix: str | None, q: str | None,
                 after: int | None, limit: int) -> list[Unit]:
    stmt = select(Unit)
    if kind:
        stmt = stmt.where(Unit.kind == kind)
    if region_prefix:
        stmt = stmt.where(Unit.region_code.startswith(region_prefix))
    if q:
        stmt = stmt.where(Unit.name.contains(q))
    if after is not None:
        stmt = stmt.where(Unit.id > after)
    return list((await session.execute(stmt.order_by(Unit.id).limit(limit))).scalars())


async def all_active(session: AsyncSession) -> list[Unit]:
    return list((await session.execute(select(Unit).where(Unit.active.is_(True)))).scalars())


async def english_names_of(session: AsyncSession, units: list[Unit]) -> tuple[dict[str, tuple[str, str | None]],
                                                                             dict[str, str]]:
    """(region code -> (name, official English name), kind -> English name): what names units in English."""
    codes = {u.region_code for u in units}
    regions = (await session.execute(select(Region.code, Region.name, Region.name_en)
                                     .where(Region.code.in_(codes)))).all() if codes else []
    kinds = (await session.execute(select(UnitKind.code, UnitKind.name_en))).all()
    return {c: (zh, en) for c, zh, en in regions}, {c: en for c, en in kinds}
