"""Every query hotline intake makes."""

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.repository import OPEN_STATUSES, Scope, scope_clause
from app.hotline.similar import Candidate
from app.models import Case, ClassifierFeedback

MAX_CANDIDATES = 500


async def similar_candidates(session: AsyncSession, *, category: str, region_code: str, since: datetime,
                             exclude_id: int | None,
                             box: tuple[float, float, float, float] | None = None,
                             nearby: frozenset[str] = frozenset()) -> list[Candidate]:
    """Open cases of the category since `since` in the same community or a nearby one (a boundary within the
    radius), or inside `box` (lat/long bounds) when the case has coordinates; the pure ranker applies the exact
    place rules."""
    place = Case.region_code.in_([region_code, *sorted(nearby)]) if nearby else Case.region_code == region_code
    if box is not None:
        place = or_(place, and_(Case.latitude.between(box[0], box[1]), Case.longitude.between(box[2], box[3])))
    districts = sorted({region_code[:6], *(c[:6] for c in nearby)})
    stmt = (select(Case.id, Case.description, Case.region_code, Case.latitude, Case.longitude)
            .where(Case.category_code == category, Case.district_code.in_(districts), place,
                   Case.status.in_(OPEN_STATUSES), Case.created_at >= since)
            .order_by(Case.id.desc()).limit(MAX_CANDIDATES))
    if exclude_id is not None:
        stmt = stmt.where(Case.id != exclude_id)
    return [Candidate(*row) for row in (await session.execute(stmt)).all()]


async def cases_by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Case]:
    if not ids:
        return {}
    return {c.id: c for c in (await session.execute(select(Case).where(Case.id.in_(ids)))).scalars()}


async def caller_orders(session: AsyncSession, scope: Scope, phone_hash: str, before_id: int | None,
                        limit: int) -> list[Case]:
    stmt = select(Case).where(Case.caller_phone_hash == phone_hash)
    clause = scope_clause(scope)
    if clause is not None:
        stmt = stmt.where(clause)
    if before_id is not None:
        stmt = stmt.where(Case.id < before_id)
    return list((await session.execute(stmt.order_by(Case.id.desc()).limit(limit))).scalars())


def add_feedback(session: AsyncSession, feedback: ClassifierFeedback) -> None:
    session.add(feedback)
