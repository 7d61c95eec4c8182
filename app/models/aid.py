"""Social aid's reference data: the 低保 line of each district with its effective dates and asset limits."""

from datetime import date
from decimal import Decimal

from sqlalchemy import Column, Index, Numeric, Text
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK


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
