"""The deployment's care policy and the volunteer skill taxonomy, loaded from the database and cached."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.care_policy import repository
from app.care_policy.policy import CarePolicy
from app.core.errors import AppError
from app.core.state import AppState
from app.models import VolunteerSkill


async def current_policy(state: AppState, session: AsyncSession) -> CarePolicy:
    code = state.settings.care_policy

    async def load() -> CarePolicy:
        row = await repository.get(session, code)
        if row is None:
            raise AppError("care_policy_not_found", 500, code=code)
        return CarePolicy.parse(row.code, row.spec)

    policy: CarePolicy = await state.cache.get(f"care_policy:{code}", load)
    return policy


async def skill_taxonomy(state: AppState, session: AsyncSession) -> dict[str, VolunteerSkill]:
    async def load() -> dict[str, VolunteerSkill]:
        # Detached copies: the cache outlives the session that read them.
        return {r.code: VolunteerSkill(code=r.code, name=r.name, name_en=r.name_en,
                                       service_types=list(r.service_types), adults_only=r.adults_only)
                for r in await repository.skills(session)}

    taxonomy: dict[str, VolunteerSkill] = await state.cache.get("volunteer_skills", load)
    return taxonomy
