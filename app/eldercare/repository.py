"""Every query of eldercare visits."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import CareVisit, Case


async def visit(session: AsyncSession, visit_id: int) -> CareVisit | None:
    return await session.get(CareVisit, visit_id)


async def visits_of(session: AsyncSession, case_id: int) -> list[CareVisit]:
    q = select(CareVisit).where(CareVisit.case_id == case_id).order_by(CareVisit.id)
    return list((await session.execute(q)).scalars())


async def counts(session: AsyncSession, case_id: int) -> dict[str, int]:
    q = select(CareVisit.status, func.count()).where(CareVisit.case_id == case_id).group_by(CareVisit.status)
    return {status: int(n) for status, n in (await session.execute(q)).all()}


async def of_volunteer(session: AsyncSession, volunteer_id: int, limit: int = 100) -> list[tuple[CareVisit, Case]]:
    q = (select(CareVisit, Case).join(Case, Case.id == CareVisit.case_id)
         .where(CareVisit.volunteer_id == volunteer_id).order_by(CareVisit.scheduled_at.desc()).limit(limit))  # type: ignore[attr-defined]
    return [(v, c) for v, c in (await session.execute(q)).all()]
