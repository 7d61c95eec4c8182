"""Builds the working calendar and the deployment's deadline profile from data, cached."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar import repository
from app.calendar.deadlines import Profile
from app.calendar.package import package_schedule
from app.calendar.workdays import WorkCalendar, build_calendar
from app.core import audit
from app.core.context import Ctx
from app.core.db import after_commit, after_rollback
from app.core.errors import AppError
from app.core.state import AppState

CALENDAR = "calendar"


async def current_calendar(state: AppState, session: AsyncSession) -> WorkCalendar:

    async def load() -> WorkCalendar:
        days, years = await repository.loaded_days(session)
        pkg_days, pkg_years = package_schedule()
        return build_calendar(pkg_days, pkg_years, days, years)

    return await state.cache.get(CALENDAR, load)


async def deployment_profile(state: AppState, session: AsyncSession, code: str | None = None) -> Profile:
    code = code or state.settings.deadline_profile

    async def load() -> Profile:
        row = await repository.get_profile(session, code)
        if row is None:
            raise AppError("profile_not_found", 500, code=code)
        return Profile.parse(row.code, row.spec, state.plugins.profile_sections)

    return await state.cache.get(f"profile:{code}", load)


async def load_year(ctx: Ctx, year: int, source: str, holidays: list[dict[str, Any]],
                    workdays: list[dict[str, Any]]) -> dict[str, Any]:
    """Stores a year's whole schedule (checked against the law), then every package that keeps deadlines
    re-plans those computed before the schedule existed, in the same transaction."""
    await repository.load_year_file(ctx.session, {"year": year, "holidays": holidays, "workdays": workdays},
                                    source=source, now=ctx.now, replace=True)
    audit.record(ctx.session, at=ctx.now, action="calendar.load_year", actor_user_id=ctx.principal.user_id,
                 target_type="calendar_year", target_id=year, detail={"source": source})
    # The re-planning below reads the new schedule through this session, and this process's cache keeps what it
    # read: dropped again if the transaction does not commit, told to the other processes once it has.
    ctx.state.cache.invalidate(CALENDAR, publish=False)
    after_rollback(ctx.session, CALENDAR, lambda: ctx.state.cache.invalidate(CALENDAR, publish=False))
    after_commit(ctx.session, CALENDAR, lambda: ctx.state.cache.invalidate(CALENDAR))
    replanned = 0
    for listener in ctx.state.plugins.calendar_listeners:
        replanned += await listener(ctx)
    return {"year": year, "loaded": True, "cases_replanned": replanned}
