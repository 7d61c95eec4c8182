"""User accounts and the audit log."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Integer
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow


class User(SQLModel, table=True):
    __tablename__ = "users"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    username: str = Field(max_length=64, unique=True)
    password_hash: str = Field(max_length=256)
    name: str = Field(max_length=64)
    role: str = Field(max_length=16, index=True)
    unit_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("units.id"), index=True))
    phone: str | None = Field(default=None, max_length=20)
    active: bool = True
    failed_logins: int = 0
    failure_window_start: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Carried in every token as `ver`; bumping it (logout, password or role change) revokes all tokens issued before.
    token_version: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class AuditLog(SQLModel, table=True):
    """Who did or read what, when, with what result (等保 2.0: kept ≥ 6 months)."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_at", "at"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor_user_id: int | None = Field(default=None, index=True)
    actor_name: str | None = Field(default=None, max_length=64)
    action: str = Field(max_length=64)
    target_type: str | None = Field(default=None, max_length=32)
    target_id: str | None = Field(default=None, max_length=64)
    result: str = Field(default="ok", max_length=16)
    ip: str | None = Field(default=None, max_length=64)
    detail: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
