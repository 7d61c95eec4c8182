"""Every query the live feed makes."""

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from app.cases.search_repository import Scope, scope_clause
from app.models import Case, CaseEvent


async def events_after(session: AsyncSession, scope: Scope, after_id: int, types: frozenset[str],
                       limit: int, skip: frozenset[int] = frozenset()) -> list[tuple[CaseEvent, Case]]:
    stmt = (select(CaseEvent, Case).join(Case, Case.id == CaseEvent.case_id)
            .where(CaseEvent.id > after_id, CaseEvent.type.in_(types)).order_by(CaseEvent.id).limit(limit))
    if skip:
        stmt = stmt.where(CaseEvent.id.not_in(skip))
    clause = scope_clause(scope)
    if clause is not None:
        stmt = stmt.where(clause)
    return [(e, c) for e, c in (await session.execute(stmt)).all()]


async def last_event_id(session: AsyncSession) -> int:
    return (await session.execute(select(func.max(CaseEvent.id)))).scalar_one() or 0
