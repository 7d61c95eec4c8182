"""API models for performance figures."""

from datetime import date, datetime

from pydantic import BaseModel, Field

from app.metrics.rates import Rate
from app.units.schemas import UnitBrief


class Period(BaseModel):
    first_day: date = Field(description="The first local day (Asia/Shanghai) counted")
    last_day: date = Field(description="The last local day counted (included)")
    start: datetime = Field(description="The period's first instant, local midnight")
    end: datetime = Field(description="The instant it ends (excluded): midnight after its last day")
    label: str = Field(description="2026-11 for a month, 2026-W47 for an ISO week, else first/last day")
    complete: bool = Field(description="The period is over: no figure in it can still grow by itself")
    deadlines_through: date | None = Field(
        description="Deadlines count up to and including this day (the day before today, or the last day if "
                    "the period is over); null when no day of the period is over yet")


class RegionBrief(BaseModel):
    code: str
    name: str
    level: str


class Counts(BaseModel):
    taken: int = Field(description="Cases taken in the period (merged duplicates apart)")
    merged_duplicates: int = Field(description="Duplicates taken in the period and merged into another case")
    direct_answered: int = Field(description="Cases taken in the period that the centre answered directly")
    dispatched: int = Field(description="Lead dispatches made in the period")
    returned: int = Field(description="Of those, the ones the unit returned")
    replied: int = Field(description="Replies given by lead units in the period")


class Callbacks(BaseModel):
    valid: int
    solved: int
    satisfied: int
    basically_satisfied: int
    dissatisfied: int
    redo: int = Field(description="Valid callbacks that sent the case back for redo (重办)")


class Performance(BaseModel):
    period: Period
    unit: UnitBrief | None = None
    region: RegionBrief | None = None
    counts: Counts
    callbacks: Callbacks
    rates: dict[str, Rate]


class TrendPoint(BaseModel):
    period: Period
    counts: Counts
    rates: dict[str, Rate]


class Trend(BaseModel):
    unit: UnitBrief | None = None
    region: RegionBrief | None = None
    months: list[TrendPoint] = Field(description="The 12 calendar months ending with `month`, oldest first")
    weeks: list[TrendPoint] = Field(description="ISO weeks (Monday to Sunday) covering the same months")


class StreetBrief(BaseModel):
    code: str = Field(description="The subdistrict's 12-digit code")
    name: str


class RankingRow(BaseModel):
    rank: int
    unit: UnitBrief | None = None
    street: StreetBrief | None = None
    rate: Rate = Field(description="The rate ranked by")
    rates: dict[str, Rate] = Field(description="Every rate, with its numerator and denominator")


class Ranking(BaseModel):
    of: str
    rate: str
    higher_is_better: bool
    period: Period
    region: RegionBrief | None
    items: list[RankingRow]

