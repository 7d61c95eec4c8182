from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Category, Region, RoutingRule, Unit, UnitKind


async def categories(session: AsyncSession) -> list[Category]:
    return list((await session.execute(select(Category).order_by(Category.parent_code.is_not(None),
                                                                 Category.sort, Category.code))).scalars())


async def category(session: AsyncSession, code: str) -> Category | None:
    return await session.get(Category, code)


async def has_children(session: AsyncSession, code: str) -> bool:
    found = await session.execute(select(Category.code).where(Category.parent_code == code).limit(1))
    return found.first() is not None


async def rules(session: AsyncSession, *, category: str | None = None, active: bool | None = None,
                after: int | None = None, limit: int | None = None) -> list[RoutingRule]:
    stmt = select(RoutingRule)
    if category:
        stmt = stmt.where(RoutingRule.category_code == category)
    if active is not None:
        stmt = stmt.where(RoutingRule.active.is_(active))
    if after is not None:
        stmt = stmt.where(RoutingRule.id > after)
    stmt = stmt.order_by(RoutingRule.id)
    if limit:
        stmt = stmt.limit(limit)
    return list((await session.execute(stmt)).scalars())


async def rule(session: AsyncSession, rule_id: int) -> RoutingRule | None:
    return await session.get(RoutingRule, rule_id)


async def unit_kind_codes(session: AsyncSession) -> dict[str, str]:
    return {k.code: k.name for k in (await session.execute(select(UnitKind))).scalars()}


async def snapshot_rows(session: AsyncSession) -> tuple[list[Region], list[Category], list[RoutingRule],
                                                         list[Unit], list[UnitKind]]:
    regions = list((await session.execute(select(Region))).scalars())
    cats = list((await session.execute(select(Category))).scalars())  # retired ones too: open cases keep them
    active_rules = await rules(session, active=True)
    units = list((await session.execute(select(Unit).where(Unit.active.is_(True)))).scalars())
    kinds = list((await session.execute(select(UnitKind))).scalars())
    return regions, cats, active_rules, units, kinds


async def category_names(session: AsyncSession, codes: set[str]) -> dict[str, str]:
    if not codes:
        return {}
    rows = await session.execute(select(Category.code, Category.name).where(Category.code.in_(codes)))
    return {code: name for code, name in rows}


async def region(session: AsyncSession, code: str) -> Region | None:
    return await session.get(Region, code)


async def add(session: AsyncSession, rule: RoutingRule) -> RoutingRule:
    session.add(rule)
    await session.flush()
    return rule
