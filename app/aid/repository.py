"""Every query of social aid's reference data."""

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AidLine


async def line_on(session: AsyncSession, district: str, day: date) -> AidLine | None:
    """The district's line in force on the day (the latest that started by then)."""
    q = (select(AidLine).where(AidLine.district_code == district, AidLine.effective_from <= day,
                               or_(AidLine.effective_to.is_(None), AidLine.effective_to >= day))  # type: ignore[union-attr]
         .order_by(AidLine.effective_from.desc()).limit(1))  # type: ignore[attr-defined]
    return (await session.execute(q)).scalar_one_or_none()
