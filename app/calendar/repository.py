"""Queries for administrator-loaded calendar years and deadline profiles."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.errors import AppError
from app.models import CalendarDay, CalendarYear, DeadlineProfile


def _parse_entries(year: int, entries: Any, working: bool) -> list[CalendarDay]:
    out = []
    for entry in entries or []:
        if not isinstance(entry, dict) or "date" not in entry:
            raise AppError("calendar_year_invalid", 422, reason="each entry needs a date")
        raw = entry["date"]
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError as exc:
            raise AppError("calendar_year_invalid", 422, reason=f"bad date {raw!r}") from exc
        if day.year != year:
            raise AppError("calendar_year_invalid", 422, reason=f"{day} is not in {year}")
        out.append(CalendarDay(day=day, year=year, working=working, name=entry.get("name")))
    return out


async def load_year_file(session: AsyncSession, data: dict[str, Any], *, source: str, now: datetime,
                         replace: bool) -> int:
    """Stores one year's schedule. Returns 1 when stored, 0 when the year was kept as it was."""
    try:
        year = int(data["year"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AppError("calendar_year_invalid", 422, reason="year is required") from exc
    if not 2000 <= year <= 2100:
        raise AppError("calendar_year_invalid", 422, reason="year out of range")
    rest = _parse_entries(year, data.get("holidays"), working=False)
    work = _parse_entries(year, data.get("workdays"), working=True)
    if not rest:
        raise AppError("calendar_year_invalid", 422, reason="a schedule lists its holidays")
    clash = {d.day for d in rest} & {d.day for d in work}
    if clash:
        raise AppError("calendar_year_invalid", 422, reason=f"both holiday and workday: {sorted(clash)[0]}")
    if len({d.day for d in rest + work}) != len(rest + work):
        raise AppError("calendar_year_invalid", 422, reason="a date is listed twice")
    existing = await session.get(CalendarYear, year)
    if existing is not None and not replace:
        return 0
    await session.execute(delete(CalendarDay).where(CalendarDay.year == year))
    if existing is not None:
        existing.source, existing.loaded_at = source, now
    else:
        session.add(CalendarYear(year=year, source=source, loaded_at=now))
    session.add_all(rest + work)
    await session.flush()
    return 1


async def loaded_days(session: AsyncSession) -> tuple[dict[date, tuple[bool, str | None]], list[int]]:
    days = {d.day: (d.working, d.name) for d in (await session.execute(select(CalendarDay))).scalars()}
    years = list((await session.execute(select(CalendarYear.year))).scalars())
    return days, years


async def list_years(session: AsyncSession) -> list[CalendarYear]:
    return list((await session.execute(select(CalendarYear).order_by(CalendarYear.year))).scalars())


async def get_profile(session: AsyncSession, code: str) -> DeadlineProfile | None:
    return await session.get(DeadlineProfile, code)


async def list_profiles(session: AsyncSession) -> list[DeadlineProfile]:
    return list((await session.execute(select(DeadlineProfile).order_by(DeadlineProfile.code))).scalars())
