"""Queries for administrator-loaded calendar years and deadline profiles."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.calendar.statutory import schedule_problems
from app.core.errors import AppError
from app.models import CalendarDay, CalendarYear, DeadlineProfile


def _entries(entries: Any, field: str) -> list[tuple[date, str | None]]:
    out = []
    for i, entry in enumerate(entries or []):
        if not isinstance(entry, dict) or "date" not in entry:
            raise AppError("calendar_year_invalid", 422, reason="each entry needs a date",
                           field_errors=[{"field": f"{field}.{i}", "code": "missing"}])
        raw = entry["date"]
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw))
        except ValueError as exc:
            raise AppError("calendar_year_invalid", 422, reason=f"bad date {raw!r}",
                           field_errors=[{"field": f"{field}.{i}.date", "code": "date_parsing"}]) from exc
        out.append((day, entry.get("name")))
    return out


def _refuse(problems: list[dict[str, str]]) -> AppError:
    dates = ", ".join(dict.fromkeys(p["date"] for p in problems))
    return AppError("calendar_year_invalid", 422, reason=dates,
                    field_errors=[{k: v for k, v in p.items() if k != "other"} for p in problems])


async def load_year_file(session: AsyncSession, data: dict[str, Any], *, source: str, now: datetime,
                         replace: bool) -> int:
    """Stores one year's whole schedule, checked against the law's statutory days. Returns 1 when stored, 0 when
    the year was kept as it was."""
    try:
        year = int(data["year"])
    except (KeyError, TypeError, ValueError) as exc:
        raise AppError("calendar_year_invalid", 422, reason="year is required") from exc
    if not 2000 <= year <= 2100:
        raise AppError("calendar_year_invalid", 422, reason="year out of range")
    rest = _entries(data.get("holidays"), "holidays")
    work = _entries(data.get("workdays"), "workdays")
    if not rest:
        raise AppError("calendar_year_invalid", 422, reason="a schedule lists its holidays",
                       field_errors=[{"field": "holidays", "code": "too_short"}])
    problems = schedule_problems(year, [d for d, _ in rest], [d for d, _ in work])
    if problems:
        raise _refuse(problems)
    existing = await session.get(CalendarYear, year)
    if existing is not None and not replace:
        return 0
    await session.execute(delete(CalendarDay).where(col(CalendarDay.year) == year))
    if existing is not None:
        existing.source, existing.loaded_at = source, now
    else:
        session.add(CalendarYear(year=year, source=source, loaded_at=now))
    session.add_all([CalendarDay(day=d, year=year, working=False, name=n) for d, n in rest]
                    + [CalendarDay(day=d, year=year, working=True, name=n) for d, n in work])
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
