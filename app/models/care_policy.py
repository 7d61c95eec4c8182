"""The care policy (subsidy bands, order limits, volunteer and time-bank rules) as seeded."""

from typing import Any

from sqlalchemy import Column, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import JsonType


class CarePolicy(SQLModel, table=True):
    """Subsidy bands, the time bank's cap, star thresholds, guardian consent: a city's numbers, as data."""

    __tablename__ = "care_policies"

    code: str = Field(sa_column=Column(String(48), primary_key=True))
    name: str = Field(max_length=100)
    source: str | None = Field(default=None, sa_column=Column(Text))
    spec: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
