"""The working calendar's loaded years and the deadline profiles."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Date, String
from sqlmodel import Field, SQLModel

from app.models.base import JsonType, UTCDateTime


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
