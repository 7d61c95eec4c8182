from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class WorkingDayAnswer(BaseModel):
    start: date
    days: int
    date: date
    calendar_complete: bool
    non_working_days_skipped: list[dict[str, str | None]]


class CalendarEntry(BaseModel):
    model_config = ConfigDict(extra="forbid")

    date: date
    name: str | None = Field(default=None, max_length=64)


class CalendarYearLoad(BaseModel):
    """One year's official schedule: rest days and 调休 working weekends."""

    model_config = ConfigDict(extra="forbid")

    source: str = Field(min_length=1, max_length=200)
    holidays: list[CalendarEntry] = Field(min_length=1, max_length=80)
    workdays: list[CalendarEntry] = Field(default_factory=list, max_length=30)


class CalendarYearsRead(BaseModel):
    package_years: list[int]
    loaded_years: list[dict[str, str | int]]


class ProfileRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    source: str | None
    spec: dict
    selected: bool = False
