"""Every query the deadline sweep makes."""

from datetime import datetime

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import selectinload
from sqlmodel import col

from app.cases.lifecycle import AT_UNIT
from app.models import Case


def _something_due(now: datetime):
    at_unit = Case.status.in_(AT_UNIT)
    return or_(
        and_(Case.status == "dispatched", Case.sign_due < now, Case.sign_overdue_at.is_(None),
             Case.signed_at.is_(None)),
        and_(at_unit, Case.handle_due < now, Case.handle_overdue_at.is_(None)),
        and_(at_unit, Case.chase_due <= now, Case.chased_at.is_(None)),
        and_(at_unit, Case.supervise_due <= now, Case.supervised_at.is_(None)),
        and_(at_unit, col(Case.extension_watch_at) <= now),
        and_(or_(col(Case.status) == "replied", and_(col(Case.status) == "closed",
                                                     col(Case.merged_into_id).is_not(None))),
             col(Case.callback_due) < now, col(Case.callback_reminded_at).is_(None)),
    )


async def lock_batch(session: AsyncSession, now: datetime, after_id: int, limit: int) -> list[Case]:
    """Cases with a mark possibly due, locked for this transaction.

    On PostgreSQL rows another worker holds are skipped (FOR UPDATE SKIP
    LOCKED), so several workers share the sweep without writing a mark twice;
    SQLite serialises writers with BEGIN IMMEDIATE instead.
    """
    stmt = (select(Case).where(Case.id > after_id, _something_due(now)).order_by(Case.id).limit(limit)
            .execution_options(populate_existing=True))
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    return list((await session.execute(stmt)).scalars())


async def lock_stage_due(session: AsyncSession, now: datetime, after_id: int, limit: int) -> list[Case]:
    """Cases whose kind's stage deadline has passed (an affair's 容缺 supplement date, a mediation agreement's
    confirmation window, which runs on after the reply), locked likewise. The kind decides what it means."""
    stmt = (select(Case).where(Case.id > after_id, Case.stage_due <= now, Case.status != "withdrawn")
            .options(selectinload(Case.assignments)).order_by(Case.id).limit(limit)
            .execution_options(populate_existing=True))
    if session.bind.dialect.name == "postgresql":
        stmt = stmt.with_for_update(skip_locked=True, of=Case)
    return list((await session.execute(stmt)).scalars())
