"""Every query of the Open311 facade."""

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import Case, Category, Region, Unit


async def requests(session: AsyncSession, *, numbers: list[str], codes: list[str], status: str | None,
                   start: datetime | None, end: datetime | None, offset: int, limit: int) -> list[Case]:
    """Requests made through Open311, newest first. Reports from other channels stay with their own residents."""
    q = select(Case).where(Case.channel == "open311")
    if numbers:
        q = q.where(Case.number.in_(numbers))  # type: ignore[attr-defined]
    if codes:
        q = q.where(Case.category_code.in_(codes))  # type: ignore[attr-defined]
    if status == "open":
        q = q.where(Case.status.not_in(("closed", "withdrawn")))  # type: ignore[attr-defined]
    elif status == "closed":
        q = q.where(Case.status.in_(("closed", "withdrawn")))  # type: ignore[attr-defined]
    if start is not None:
        q = q.where(Case.created_at >= start)
    if end is not None:
        q = q.where(Case.created_at <= end)
    q = q.order_by(Case.created_at.desc(), Case.id.desc()).offset(offset).limit(limit)  # type: ignore[attr-defined]
    return list((await session.execute(q)).scalars())


async def names(session: AsyncSession, cases: list[Case]) -> tuple[dict[int, Unit], dict[str, str]]:
    unit_ids = {c.lead_unit_id for c in cases if c.lead_unit_id}
    codes = {c.category_code for c in cases}
    units = {u.id: u for u in (await session.execute(select(Unit).where(Unit.id.in_(unit_ids)))).scalars()} \
        if unit_ids else {}  # type: ignore[union-attr]
    cats = dict((await session.execute(select(Category.code, Category.name).where(
        Category.code.in_(codes)))).all()) if codes else {}  # type: ignore[attr-defined]
    return units, cats  # type: ignore[return-value]


async def jurisdiction_root(session: AsyncSession) -> str:
    """The city the centre serves: where requests with coordinates only wait to be placed."""
    q = select(Region.code).where(Region.level == "city").order_by(Region.code).limit(1)
    return (await session.execute(q)).scalar_one()


async def active_categories(session: AsyncSession) -> list[Category]:
    return list((await session.execute(select(Category).where(col(Category.active).is_(True))
                                       .order_by(col(Category.sort), col(Category.code)))).scalars())
