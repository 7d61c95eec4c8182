"""API models for performance figures."""

from datetime import datetime

from pydantic import BaseModel

from app.metrics.rates import Rate
from app.units.schemas import UnitBrief


class Period(BaseModel):
    start: datetime
    end: datetime


class RegionBrief(BaseModel):
    code: str
    name: str
    level: str


class Counts(BaseModel):
    total: int
    by_status: dict[str, int]
    by_kind: dict[str, int]
    by_category: dict[str, int]
    by_work_order_type: dict[str, int]
    merged_duplicates: int


class OversightCounts(BaseModel):
    overdue_open: int
    replied_late: int
    chased: int
    supervised: int
    closed_unreached: int
    redone: int
    major: int


class Callbacks(BaseModel):
    valid: int
    solved: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int


class Performance(BaseModel):
    period: Period
    unit: UnitBrief | None = None
    region: RegionBrief | None = None
    counts: Counts
    oversight: OversightCounts
    callbacks: Callbacks
    rates: dict[str, Rate]


class RankingRow(BaseModel):
    rank: int
    unit: UnitBrief
    rate: Rate


class Ranking(BaseModel):
    rate: str
    higher_is_better: bool
    period: Period
    region: RegionBrief | None
    items: list[RankingRow]
