"""Audit trail of user actions and privileged reads (written in the request's transaction)."""

from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.models import AuditLog


def record(session: AsyncSession, *, at: datetime, action: str, actor_user_id: int | None = None,
           actor_name: str | None = None, target_type: str | None = None, target_id: Any = None,
           result: str = "ok", ip: str | None = None, detail: dict[str, Any] | None = None) -> None:
    session.add(AuditLog(at=at, actor_user_id=actor_user_id, actor_name=actor_name, action=action,
                         target_type=target_type, target_id=None if target_id is None else str(target_id),
                         result=result, ip=ip, detail=detail or {}))
