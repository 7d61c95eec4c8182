"""Cross-cutting tables: idempotency keys, counters, calendars, profiles."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, String, UniqueConstraint
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


class CaseNumberCounter(SQLModel, table=True):
    """Per district and day, so numbers stay unique when cases shard by district."""

    __tablename__ = "case_number_counters"

    district_code: str = Field(sa_column=Column(String(6), primary_key=True))
    day: str = Field(sa_column=Column(String(8), primary_key=True))
    last: int = 0


class CalendarDay(SQLModel, table=True):
    """An administrator-loaded day that differs from Monday–Friday."""

    __tablename__ = "calendar_days"

    day: date = Field(sa_column=Column(Date, primary_key=True))
    year: int = Field(index=True)
    working: bool
    name: str | None = Field(default=None, max_length=64)


class CalendarYear(SQLModel, table=True):
    __tablename__ = "calendar_years"

    year: int = Field(primary_key=True)
    source: str = Field(max_length=200)
    loaded_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class DeadlineProfile(SQLModel, table=True):
    __tablename__ = "deadline_profiles"

    code: str = Field(sa_column=Column(String(48), primary_key=True))
    name: str = Field(max_length=128)
    spec: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    source: str | None = Field(default=None, max_length=300)
