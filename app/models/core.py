"""The kernel's tables: idempotency keys and the audit log."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime


class IdempotencyKey(SQLModel, table=True):
    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_user_key"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    user_id: int = Field(index=True)
    key: str = Field(max_length=200)
    method: str = Field(max_length=8)
    path: str = Field(max_length=300)
    request_hash: str = Field(max_length=64)
    state: str = Field(default="in_flight", max_length=16)  # in_flight | done
    response_status: int | None = None
    response_body: Any = Field(default=None, sa_column=Column(JsonType))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    expires_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))


class AuditLog(SQLModel, table=True):
    """Who did or read what, when, with what result (等保 2.0: kept ≥ 6 months)."""

    __tablename__ = "audit_log"
    __table_args__ = (
        Index("ix_audit_log_at", "at"),
        # The auditor's filters, each walked newest first: whose record (the target), which unit acted, which
        # action (a rare one would otherwise be looked for through the whole table).
        Index("ix_audit_log_target", "target_type", "target_id", "at"),
        Index("ix_audit_log_actor_unit", "actor_unit_id", "at"),
        Index("ix_audit_log_action", "action", "at"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor_user_id: int | None = Field(default=None, index=True)
    actor_name: str | None = Field(default=None, max_length=64)
    # The actor's role and unit when the record was written (app/core/audit.py); None on records older than
    # these columns, and for actors outside a request (the sweep, the command line).
    actor_role: str | None = Field(default=None, max_length=16)
    actor_unit_id: int | None = Field(default=None, sa_column=Column(BigIntPK, nullable=True))
    action: str = Field(max_length=64)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    result: str = Field(default="ok", max_length=16)
    ip: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))


class RateBucket(SQLModel, table=True):
    """A rate limit's token bucket, shared by every API process (app/core/ratelimit.py)."""

    __tablename__ = "rate_buckets"

    key: str = Field(primary_key=True, max_length=200)  # "rule:key", the key a digest where it is a secret
    tokens: float
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))


class CacheVersion(SQLModel, table=True):
    """A cached reference table's version: bumped by the process that changed it, watched by every other process
    (app/core/cache.py), which drops its copy when the number moves."""

    __tablename__ = "cache_versions"

    name: str = Field(primary_key=True, max_length=64)  # a cache entry's name; "*" for everything
    version: int = 0
