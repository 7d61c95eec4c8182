"""Social aid's reference data: the 低保 line of each district with its effective dates and asset limits;
and people's mediation's dispute types and hand-off routes."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, ForeignKey, Index, Numeric, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType


class AidLine(SQLModel, table=True):
    __tablename__ = "aid_lines"
    __table_args__ = (Index("ix_aid_lines_district_from", "district_code", "effective_from"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    district_code: str = Field(max_length=6)
    effective_from: date
    effective_to: date | None = None
    monthly_line: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))  # per person per month, yuan
    savings_months: int  # per-capita savings within this many months of the line
    vehicle_value_limit: Decimal = Field(sa_column=Column(Numeric(12, 2), nullable=False))
    properties_max: int
    expense_multiplier: Decimal = Field(sa_column=Column(Numeric(6, 2), nullable=False))  # 支出型临时救助
    source: str = Field(sa_column=Column(Text, nullable=False))


class DisputeType(SQLModel, table=True):
    __tablename__ = "dispute_types"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("categories.code",
                                                                       name="fk_dispute_types_category"),
                                                nullable=False))
    # A matter the law gives to another authority: who decides it instead (None: people's mediation may take it).
    reserved_to: str | None = Field(default=None, max_length=100)
    reserved_to_en: str | None = Field(default=None, max_length=160)
    # The routes a failed mediation names (Art 26): arbitration, administrative, court …
    other_routes: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))


class MediationHandoff(SQLModel, table=True):
    """Where the big-mediation network (大调解) hands a dispute on: the police, labour arbitration, the court, 信访."""

    __tablename__ = "mediation_handoffs"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)
    unit_kind: str = Field(sa_column=Column(String(48), ForeignKey("unit_kinds.code",
                                                                   name="fk_mediation_handoffs_kind"),
                                            nullable=False))
