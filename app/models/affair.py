"""One-stop affairs: the service guide (versioned), life events, and the bad-credit list 容缺 consults."""

from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow


class LifeEvent(SQLModel, table=True):
    """A moment in a resident's life the guide is browsed by (生育、年满60周岁、失业 …)."""

    __tablename__ = "life_events"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)


class ServiceItem(SQLModel, table=True):
    """One version of a service-guide item (办事指南). An edit writes a new version; applications keep theirs."""

    __tablename__ = "service_items"
    __table_args__ = (
        UniqueConstraint("code", "version", name="uq_service_items_code_version"),
        Index("ix_service_items_current", "current", "code"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    code: str = Field(max_length=48)
    version: int = 1
    current: bool = True  # the version new applications are filed under
    status: str = Field(default="active", max_length=16)  # active | withdrawn
    name: str = Field(max_length=100)
    name_en: str = Field(max_length=160)
    type: str = Field(max_length=16)
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("categories.code"), nullable=False))
    department: str = Field(max_length=100)
    handling_unit_kind: str = Field(sa_column=Column(String(48), ForeignKey("unit_kinds.code"), nullable=False))
    applicants: str = Field(sa_column=Column(Text, nullable=False))
    conditions: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    materials: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    steps: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    statutory_days: int | None = None
    promised_days: int = 0  # 0: decided on the spot (即办)
    fees: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
    online: bool = False
    visits: int = 1
    proxy_allowed: bool = True
    legal_basis: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    life_events: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))


class CreditFlag(SQLModel, table=True):
    """A person on the bad-credit list (失信), found by the keyed hash of the ID number; 容缺 is refused to them."""

    __tablename__ = "credit_flags"
    __table_args__ = (Index("ix_credit_flags_id_hash", "id_hash"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    id_hash: str = Field(max_length=64)
    id_masked: str = Field(max_length=24)
    reason: str = Field(max_length=200)
    source: str = Field(max_length=100)
    listed_on: date
    until: date | None = None
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    note: str | None = Field(default=None, sa_column=Column(Text))
