"""The organisation: units by kind and jurisdiction. Never commits."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import NotFound
from app.core.region_codes import prefix_for
from app.core.romanize import place_name_en, unit_name_en
from app.models import Unit, UnitKind
from app.regions import service as regions
from app.units import repository
from app.units.schemas import UnitRead


async def kinds(session: AsyncSession) -> list[UnitKind]:
    return await repository.kinds(session)


async def search(session: AsyncSession, *, kind: str | None, region: str | None, q: str | None, after: int | None,
                 limit: int) -> list[UnitRead]:
    prefix = None
    if region is not None:
        found = await regions.existing(session, region, "region")
        prefix = prefix_for(found.code, found.level)
    rows = await repository.search(session, kind=kind, region_prefix=prefix, q=q, after=after, limit=limit)
    return await present(session, rows)


async def get(session: AsyncSession, unit_id: int) -> UnitRead:
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", unit_id=unit_id)
    return (await present(session, [unit]))[0]


async def present(session: AsyncSession, units: list[Unit]) -> list[UnitRead]:
    places, kinds_en = await repository.english_names_of(session, units)

    def place(code: str) -> str:
        zh, en = places.get(code, (code, None))
        return en or place_name_en(zh)

    return [UnitRead.model_validate(u).model_copy(update={"name_en": unit_name_en(
        place(u.region_code), kinds_en.get(u.kind, u.kind))}) for u in units]
