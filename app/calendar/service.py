"""Builds the working calendar and the deployment's deadline profile from data, cached."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar import repository
from app.calendar.deadlines import Profile
from app.calendar.package import package_schedule
from app.calendar.workdays import WorkCalendar, build_calendar
from app.core.errors import AppError

CALENDAR = "calendar"


async def current_calendar(state: Any, session: AsyncSession) -> WorkCalendar:

    async def load() -> WorkCalendar:
        days, years = await repository.loaded_days(session)
        pkg_days, pkg_years = package_schedule()
        return build_calendar(pkg_days, pkg_years, days, years)

    return await state.cache.get(CALENDAR, load)


async def deployment_profile(state: Any, session: AsyncSession, code: str | None = None) -> Profile:
    code = code or state.settings.deadline_profile

    async def load() -> Profile:
        row = await repository.get_profile(session, code)
        if row is None:
            raise AppError("profile_not_found", 500, code=code)
        return Profile.parse(row.code, row.spec, state.plugins.profile_sections)

    return await state.cache.get(f"profile:{code}", load)
