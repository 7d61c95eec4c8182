"""Categories and the routing rules that send them to units."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow


class Category(SQLModel, table=True):
    __tablename__ = "categories"

    code: str = Field(sa_column=Column(String(64), primary_key=True))
    name: str = Field(max_length=64)
    name_en: str = Field(max_length=128)
    parent_code: str | None = Field(
        default=None, sa_column=Column(String(64), ForeignKey("categories.code"), index=True)
    )
    description: str | None = Field(default=None, max_length=300)
    sort: int = 0
    active: bool = True
    # The national 12345 classification code (GB/T 39666-2020) where the city maps its categories to it.
    national_code: str | None = Field(default=None, max_length=32)


class RoutingRule(SQLModel, table=True):
    __tablename__ = "routing_rules"
    __table_args__ = (Index("ix_routing_rules_category", "category_code", "active"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("categories.code"), nullable=False))
    region_code: str | None = Field(default=None, sa_column=Column(String(12), ForeignKey("regions.code")))
    work_order_type: str | None = Field(default=None, max_length=16)
    lead_kind: str = Field(sa_column=Column(String(48), ForeignKey("unit_kinds.code"), nullable=False))
    co_kinds: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    handling_class: str = Field(default="standard", max_length=16)
    priority: int = 100
    active: bool = True
    note: str | None = Field(default=None, max_length=300)
    version: int = 1
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
