"""The organisation: units and their kinds."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Index, String
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, UTCDateTime, utcnow


class UnitKind(SQLModel, table=True):
    __tablename__ = "unit_kinds"

    code: str = Field(sa_column=Column(String(48), primary_key=True))
    name: str = Field(max_length=64)
    name_en: str = Field(max_length=128)
    level: str = Field(max_length=16)  # the region level its units sit at


class Unit(SQLModel, table=True):
    __tablename__ = "units"
    __table_args__ = (Index("ix_units_region_kind", "region_code", "kind"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    code: str = Field(max_length=80, unique=True)  # stable key used by seed files and integrations
    name: str = Field(max_length=128)
    kind: str = Field(sa_column=Column(String(48), ForeignKey("unit_kinds.code"), nullable=False))
    region_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code"), nullable=False))
    parent_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("units.id")))
    phone: str | None = Field(default=None, max_length=32)
    address: str | None = Field(default=None, max_length=200)
    webhook_url: str | None = Field(default=None, max_length=500)
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
