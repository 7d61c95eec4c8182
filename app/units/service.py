"""The organisation: units by kind and jurisdiction. Never commits."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.region_codes import prefix_for
from app.models import Unit, UnitKind
from app.regions import service as regions
from app.units import repository


async def kinds(session: AsyncSession) -> list[UnitKind]:
    return await repository.kinds(session)


async def search(session: AsyncSession, *, kind: str | None, region: str | None, q: str | None, after: int | None,
                 limit: int) -> list[Unit]:
    prefix = None
    if region is not None:
        found = await regions.existing(session, region, "region")
        prefix = prefix_for(found.code, found.level)
    return await repository.search(session, kind=kind, region_prefix=prefix, q=q, after=after, limit=limit)


async def get(session: AsyncSession, unit_id: int) -> Unit:
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", unit_id=unit_id)
    return unit
