"""Every query of people's mediation's reference data."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import DisputeType, MediationHandoff


async def dispute_types(session: AsyncSession) -> list[DisputeType]:
    return list((await session.execute(select(DisputeType).order_by(DisputeType.code))).scalars())


async def dispute_type(session: AsyncSession, code: str) -> DisputeType | None:
    return await session.get(DisputeType, code)


async def handoff(session: AsyncSession, code: str) -> MediationHandoff | None:
    return await session.get(MediationHandoff, code)
