from sqlalchemy import String, cast, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Boundary, Place, Region


async def get(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def path_to_root(session: AsyncSession, region: Region) -> list[Region]:
    """From the top down to the region's parent."""
    codes = [region.code[:n].ljust(12, "0") for n in (2, 4, 6, 9)]
    rows = (await session.execute(select(Region).where(Region.code.in_(codes)))).scalars()
    by_code = {r.code: r for r in rows}
    path, current = [], by_code.get(region.parent_code) if region.parent_code else None
    while current is not None:
        path.append(current)
        current = by_code.get(current.parent_code) if current.parent_code else None
    return list(reversed(path))


async def count_children(session: AsyncSession, code: str) -> int:
    return (await session.execute(select(func.count()).where(Region.parent_code == code))).scalar_one()


async def search(session: AsyncSession, *, q: str | None, parent: str | None, level: str | None,
                 after: str | None, limit: int) -> list[Region]:
    stmt = select(Region)
    if q:
        if q.isdigit():
            stmt = stmt.where(Region.code.startswith(q))
        else:
            stmt = stmt.where(or_(Region.name.contains(q), cast(Region.aliases, String).contains(q)))
    if parent:
        stmt = stmt.where(Region.parent_code == parent)
    if level:
        stmt = stmt.where(Region.level == level)
    if after:
        stmt = stmt.where(Region.code > after)
    return list((await session.execute(stmt.order_by(Region.code).limit(limit))).scalars())


async def all_regions(session: AsyncSession) -> list[Region]:
    return list((await session.execute(select(Region).order_by(Region.code))).scalars())


async def active_places(session: AsyncSession) -> list[Place]:
    return list((await session.execute(select(Place).where(Place.active.is_(True)).order_by(Place.id))).scalars())


async def boundaries(session: AsyncSession) -> list[Boundary]:
    return list((await session.execute(select(Boundary).order_by(Boundary.community_code))).scalars())


async def names_without_english(session: AsyncSession) -> list[str]:
    """Place names that have no English name of their own (they are romanized)."""
    return list((await session.execute(select(Region.name).where(Region.name_en.is_(None)))).scalars())
