"""The care policy (subsidy bands, order limits, volunteer and time-bank rules) parsed from its seed spec, and the
facts of a person from the register that its rules read.

One policy serves eldercare (subsidies), the register (the flags it records), volunteers and the time bank
(age limits, the cap) and social aid (who counts as without working capacity).
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from app.calendar.deadlines import Limit

SERVICE_TYPES = ("meal", "cleaning", "emergency", "bathing", "mobility", "medical", "day_care", "visit")
ServiceType = Literal["meal", "cleaning", "emergency", "bathing", "mobility", "medical", "day_care", "visit"]
FLAGS = ("dibao", "tekun", "living_alone", "disability_grade", "care_level")
Flag = Literal["dibao", "tekun", "living_alone", "disability_grade", "care_level"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Condition(_Strict):
    flags: tuple[Flag, ...] = ()
    min_age: int | None = None
    min_care_level: int | None = Field(default=None, ge=0, le=4)
    max_disability_grade: int | None = Field(default=None, ge=1, le=4)
    services: tuple[ServiceType, ...] = ()


class Band(_Strict):
    level: str
    name: str
    name_en: str
    percent: int = Field(ge=0, le=100)
    any_of: tuple[Condition, ...]


class Handling(_Strict):
    by_service: dict[ServiceType, dict[str, int]] = {}
    default: dict[str, int]


class VolunteerRules(_Strict):
    guardian_consent_under: int = 14
    guardian_consent_14_to_18: bool = True
    individual_visit_min_age: int = 18
    # A volunteer may check in this early (to set up) and out this late; only the booked window counts as hours,
    # unless staff extend the window with a reason.
    early_check_in_minutes: int = Field(default=60, ge=0)
    late_check_out_minutes: int = Field(default=30, ge=0)
    check_in_without_location: bool = False  # allowed only where the policy says so; such a check-in is marked
    star_hours: tuple[int, ...] = (100, 300, 600, 1000, 1500)
    certificate_prefix: str = "ZYFW"


class TimebankRules(_Strict):
    cap_hours: int = Field(gt=0)
    transfer_relative_min_age: int = 60
    # Staff of these unit kinds move hours for residents who cannot use the app (the 时间银行 counter).
    operator_unit_kinds: tuple[str, ...] = ("community_workstation", "civil_affairs_station")


class TekunPolicy(_Strict):
    """特困: the groups without working capacity, and who counts as an able supporter."""

    elder_age: int = 60
    child_age: int = 16
    severe_disability_grade: int = Field(default=2, ge=1, le=4)
    working_age: tuple[int, int] = (18, 60)


class CarePolicy(_Strict):
    code: str = ""
    min_age: int
    subsidy_bands: tuple[Band, ...]
    handling: Handling
    order_unit_kind: str
    provider_unit_kinds: tuple[str, ...]
    volunteers: VolunteerRules
    timebank: TimebankRules
    tekun: TekunPolicy = TekunPolicy()

    @classmethod
    def parse(cls, code: str, spec: dict[str, Any]) -> "CarePolicy":
        return cls.model_validate({**spec, "code": code})

    def handling_limit(self, service_type: ServiceType) -> Limit:
        return Limit.parse(self.handling.by_service.get(service_type) or self.handling.default)


@dataclass(frozen=True)
class FlagFact:
    value: str | None
    source: str
    since: date


@dataclass(frozen=True)
class PersonFacts:
    birth_date: date
    flags: Mapping[str, FlagFact] = field(default_factory=dict)
