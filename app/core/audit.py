"""Audit trail of user actions and privileged reads (written in the request's transaction).

A request's caller is bound to its session once they are known (`bind_caller`, from app/core/auth.py); every
record the request then writes for that caller carries, unless the call site says otherwise, the caller's name,
role and unit at that moment and the client's address. Records written before the columns existed (actor_role,
actor_unit_id) have none; records of a login carry the address their call site passes.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.models import AuditLog

_CALLER = "audit_caller"


@dataclass(frozen=True)
class Caller:
    user_id: int | None
    name: str
    role: str
    unit_id: int | None
    ip: str | None


def bind_caller(session: AsyncSession, *, user_id: int | None, name: str, role: str, unit_id: int | None,
                ip: str | None) -> None:
    """Who the request's records are about when they name this user as the actor (set once per request)."""
    session.info[_CALLER] = Caller(user_id=user_id, name=name, role=role, unit_id=unit_id, ip=ip)


def record(session: AsyncSession, *, at: datetime, action: str, actor_user_id: int | None = None,
           actor_name: str | None = None, target_type: str | None = None, target_id: Any = None,
           result: str = "ok", ip: str | None = None, detail: dict[str, Any] | None = None) -> None:
    caller: Caller | None = session.info.get(_CALLER)
    actor_role = actor_unit_id = None
    if caller is not None and actor_user_id is not None and caller.user_id == actor_user_id:
        actor_name, actor_role, actor_unit_id = actor_name or caller.name, caller.role, caller.unit_id
        ip = ip or caller.ip
    session.add(AuditLog(at=at, actor_user_id=actor_user_id, actor_name=actor_name, actor_role=actor_role,
                         actor_unit_id=actor_unit_id, action=action, target_type=target_type,
                         target_id=None if target_id is None else str(target_id), result=result, ip=ip,
                         detail=detail or {}))


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
