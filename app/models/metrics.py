"""The performance figures kept as they change: what each case contributes, and its daily sums.

`metric_case_facts` holds, per case, what it last added to the rollups (by local day, unit and street), so a change
to the case replaces exactly that. `metric_unit_days` and `metric_region_days` are the sums by local day (Asia/Shanghai
by default) per unit and per street (subdistrict); a district or the city is the sum of its streets. Every counter
is defined in app/metrics/facts.py; a recount from the raw rows must always give the same numbers
(app/metrics/rollups.py).
"""

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Date, ForeignKey, Index, Integer, String
from sqlmodel import Field, SQLModel

from app.models.base import JsonType, UTCDateTime


def _counter() -> Any:
    return Field(default=0, sa_type=Integer, nullable=False, sa_column_kwargs={"server_default": "0"})


class DayCounters(SQLModel):
    """The counters a rollup row sums for its day, one column each (both rollup tables carry them all)."""

    taken: int = _counter()
    merged: int = _counter()
    direct_answered: int = _counter()
    dispatched: int = _counter()
    returned: int = _counter()
    sign_due: int = _counter()
    responded: int = _counter()
    signed_on_time: int = _counter()
    handle_due: int = _counter()
    handled_on_time: int = _counter()
    extended: int = _counter()
    replied: int = _counter()
    overridden: int = _counter()
    cb_valid: int = _counter()
    cb_solved: int = _counter()
    cb_satisfied: int = _counter()
    cb_basic: int = _counter()
    cb_dissatisfied: int = _counter()
    cb_redo: int = _counter()


# The counters of a rollup row, in column order (app/metrics/facts.py says what each counts).
COUNTER_COLUMNS: tuple[str, ...] = tuple(DayCounters.model_fields)


class MetricCaseFacts(SQLModel, table=True):
    """What one case adds to the rollups now: [[day, unit_id, street, {counter: n}], ...]."""

    __tablename__ = "metric_case_facts"

    case_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"),
                                          ForeignKey("cases.id", name="fk_metric_case_facts_case"),
                                          primary_key=True, autoincrement=False))
    facts: list[Any] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    computed_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))


class MetricUnitDay(DayCounters, table=True):
    """A unit's counters for one local day."""

    __tablename__ = "metric_unit_days"
    __table_args__ = (Index("ix_metric_unit_days_day", "day"),)

    unit_id: int = Field(sa_column=Column(BigInteger().with_variant(Integer(), "sqlite"),
                                          ForeignKey("units.id", name="fk_metric_unit_days_unit"),
                                          primary_key=True, autoincrement=False))
    day: date = Field(sa_column=Column(Date, primary_key=True))


class MetricRegionDay(DayCounters, table=True):
    """A street's (subdistrict's) counters for one local day: every case placed there, whoever handled it."""

    __tablename__ = "metric_region_days"
    __table_args__ = (Index("ix_metric_region_days_district_day", "district_code", "day"),
                      Index("ix_metric_region_days_day", "day"))

    street_code: str = Field(sa_column=Column(String(9), primary_key=True))  # the first 9 digits of the region
    day: date = Field(sa_column=Column(Date, primary_key=True))
    district_code: str = Field(sa_column=Column(String(6), nullable=False))
