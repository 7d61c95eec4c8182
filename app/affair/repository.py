"""Every query the affairs package makes."""

from datetime import date

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CreditFlag, LifeEvent, ServiceItem


async def current_item(session: AsyncSession, code: str) -> ServiceItem | None:
    stmt = select(ServiceItem).where(ServiceItem.code == code, ServiceItem.current.is_(True))
    return (await session.execute(stmt)).scalar_one_or_none()


async def item_version(session: AsyncSession, code: str, version: int) -> ServiceItem | None:
    stmt = select(ServiceItem).where(ServiceItem.code == code, ServiceItem.version == version)
    return (await session.execute(stmt)).scalar_one_or_none()


async def item_versions(session: AsyncSession, code: str) -> list[ServiceItem]:
    stmt = select(ServiceItem).where(ServiceItem.code == code).order_by(ServiceItem.version)
    return list((await session.execute(stmt)).scalars())


async def current_items(session: AsyncSession) -> list[ServiceItem]:
    """The guide as residents browse it: the current version of every item still offered."""
    stmt = (select(ServiceItem).where(ServiceItem.current.is_(True), ServiceItem.status == "active")
            .order_by(ServiceItem.code))
    return list((await session.execute(stmt)).scalars())


async def retire_current(session: AsyncSession, code: str) -> None:
    await session.execute(update(ServiceItem).where(ServiceItem.code == code, ServiceItem.current.is_(True))
                          .values(current=False))


async def life_events(session: AsyncSession) -> list[LifeEvent]:
    return list((await session.execute(select(LifeEvent).order_by(LifeEvent.code))).scalars())


async def credit_flagged(session: AsyncSession, id_hash: str, today: date) -> bool:
    stmt = select(CreditFlag.id).where(
        CreditFlag.id_hash == id_hash, CreditFlag.active.is_(True), CreditFlag.listed_on <= today,
        or_(CreditFlag.until.is_(None), CreditFlag.until >= today)).limit(1)
    return (await session.execute(stmt)).first() is not None


async def credit_flags(session: AsyncSession, *, after_id: int, limit: int) -> list[CreditFlag]:
    stmt = select(CreditFlag).where(CreditFlag.id > after_id).order_by(CreditFlag.id).limit(limit)
    return list((await session.execute(stmt)).scalars())
