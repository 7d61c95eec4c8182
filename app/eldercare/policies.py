"""The deployment's care policy and the volunteer skill taxonomy, loaded from the database and cached."""

from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.eldercare.policy import CarePolicy
from app.models import CarePolicy as CarePolicyRow
from app.models import VolunteerSkill


async def current_policy(state: Any, session: AsyncSession) -> CarePolicy:
    code = state.settings.care_policy

    async def load() -> CarePolicy:
        row = await session.get(CarePolicyRow, code)
        if row is None:
            raise AppError("care_policy_not_found", 500, code=code)
        return CarePolicy.parse(row.code, row.spec)

    return await state.cache.get(f"care_policy:{code}", load)


async def skill_taxonomy(state: Any, session: AsyncSession) -> dict[str, VolunteerSkill]:
    async def load() -> dict[str, VolunteerSkill]:
        rows = (await session.execute(select(VolunteerSkill).order_by(VolunteerSkill.code))).scalars()
        return {r.code: VolunteerSkill(code=r.code, name=r.name, name_en=r.name_en,
                                       service_types=list(r.service_types), adults_only=r.adults_only)
                for r in rows}

    return await state.cache.get("volunteer_skills", load)
