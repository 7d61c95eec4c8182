"""Queries for the care policy and the volunteer skill taxonomy."""

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CarePolicy, VolunteerSkill


async def get(session: AsyncSession, code: str) -> CarePolicy | None:
    return await session.get(CarePolicy, code)


async def skills(session: AsyncSession) -> list[VolunteerSkill]:
    return list((await session.execute(select(VolunteerSkill).order_by(VolunteerSkill.code))).scalars())
