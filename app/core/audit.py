"""Audit trail of user actions and privileged reads (written in the request's transaction)."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import AuditLog


def record(session: AsyncSession, *, at: datetime, action: str, actor_user_id: int | None = None,
           actor_name: str | None = None, target_type: str | None = None, target_id: Any = None,
           result: str = "ok", ip: str | None = None, detail: dict[str, Any] | None = None) -> None:
    session.add(AuditLog(at=at, actor_user_id=actor_user_id, actor_name=actor_name, action=action,
                         target_type=target_type, target_id=None if target_id is None else str(target_id),
                         result=result, ip=ip, detail=detail or {}))


# 网络安全法 Art 21: logs kept at least six months. The database refuses to delete younger rows whatever runs
# against it (the audit_log triggers); purging is the one way to delete, and it deletes only what is older.
MIN_RETENTION_DAYS = 180


async def purge(session: AsyncSession, *, now: datetime, older_than_days: int) -> int:
    """Deletes the audit records older than the given number of days (at least 180); returns how many."""
    if older_than_days < MIN_RETENTION_DAYS:
        raise ValueError(f"audit records are kept at least {MIN_RETENTION_DAYS} days")
    cutoff = now - timedelta(days=older_than_days)
    result = await session.execute(delete(AuditLog).where(col(AuditLog.at) < cutoff))
    return int(getattr(result, "rowcount", 0) or 0)
