from datetime import date, timedelta
from typing import Annotated

from fastapi import APIRouter, Path, Query, Request

from app.calendar import repository, service
from app.calendar.package import package_schedule
from app.calendar.schemas import CalendarYearLoad, CalendarYearsRead, ProfileRead, WorkingDayAnswer
from app.core.auth import AdminUser, SessionDep
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute

router = APIRouter(prefix="/calendar", tags=["calendar"], route_class=UnitOfWorkRoute)


@router.get("/add-working-days", response_model=WorkingDayAnswer,
            summary="The Nth working day after a date (Chinese calendar)")
async def add_working_days(
    request: Request, session: SessionDep,
    start: Annotated[date, Query(description="YYYY-MM-DD")],
    days: Annotated[int, Query(ge=-366, le=366)],
) -> WorkingDayAnswer:
    cal = await service.current_calendar(request.app.state, session)
    answer, complete = cal.add_working_days(start, days)
    lo, hi = sorted((start, answer))
    skipped = []
    current = lo + timedelta(days=1)
    while current < hi:
        if not cal.is_working_day(current):
            skipped.append({"date": current.isoformat(), "name": cal.name_of(current)})
        current += timedelta(days=1)
    return WorkingDayAnswer(start=start, days=days, date=answer, calendar_complete=complete,
                            non_working_days_skipped=skipped)


@router.get("/years", response_model=CalendarYearsRead, summary="Which years have an official schedule")
async def years(session: SessionDep) -> CalendarYearsRead:
    _, covered = package_schedule()
    loaded = await repository.list_years(session)
    return CalendarYearsRead(package_years=sorted(covered),
                             loaded_years=[{"year": y.year, "source": y.source} for y in loaded])


@router.put("/years/{year}", status_code=200, summary="Load or replace a year's schedule (admin)")
async def load_year(ctx: CtxDep, _: AdminUser, year: Annotated[int, Path(ge=2000, le=2100)],
                    body: CalendarYearLoad) -> dict[str, int | bool]:
    return await service.load_year(ctx, year, body.source, [e.model_dump() for e in body.holidays],
                                   [e.model_dump() for e in body.workdays])


@router.get("/profiles", summary="Deadline profiles; `selected` is the deployment's")
async def profiles(request: Request, session: SessionDep) -> dict[str, list[ProfileRead]]:
    selected = request.app.state.settings.deadline_profile
    items = []
    for row in await repository.list_profiles(session):
        item = ProfileRead.model_validate(row)
        item.selected = row.code == selected
        items.append(item)
    return {"items": items}
