"""User accounts."""

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, false
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, UTCDateTime, utcnow


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
    # A unit's or the centre's leader (分管领导): may sign off a decision against the recorded check, with a reason.
    leader: bool = Field(default=False, sa_column=Column(Boolean, nullable=False, server_default=false()))
    failed_logins: int = 0
    failure_window_start: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    locked_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_login_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    # Carried in every token as `ver`; bumping it (logout, password or role change) revokes all tokens issued before.
    token_version: int = Field(default=0, sa_column=Column(Integer, nullable=False, server_default="0"))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
