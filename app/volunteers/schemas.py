"""API models for volunteers, teams, tasks, the service record and the time bank."""

from datetime import date, datetime, time
from typing import Literal

from pydantic import AwareDatetime, BaseModel, Field, field_validator, model_validator

from app.core.overrides import OverrideIn
from app.core.schemas import RequestModel, invalid


class SlotIn(RequestModel):
    weekday: int = Field(ge=1, le=7, description="1 = Monday … 7 = Sunday")
    start: time
    end: time

    @model_validator(mode="after")
    def _order(self) -> "SlotIn":
        if self.end <= self.start:
            raise invalid("period_end_before_start")
        return self

class GuardianIn(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(max_length=20)
    relationship: Literal["parent", "grandparent", "guardian", "other_relative"]
    consent: bool

class EmergencyContactIn(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    phone: str = Field(max_length=20)
    relationship: str = Field(min_length=1, max_length=16)

class VolunteerCreate(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=15, max_length=24)
    phone: str = Field(max_length=20)
    skills: list[str] = Field(min_length=1, max_length=12)
    availability: list[SlotIn] = Field(min_length=1, max_length=21)
    region_code: str = Field(pattern=r"^\d{12}$", description="the community served")
    emergency_contact: EmergencyContactIn | None = Field(
        default=None, description="required for adults; a minor's guardian is their emergency contact")
    guardian: GuardianIn | None = None

    @field_validator("skills")
    @classmethod
    def _unique(cls, v: list[str]) -> list[str]:
        if len(set(v)) != len(v):
            raise invalid("skills_repeated")
        return v

class VolunteerUpdate(RequestModel):
    skills: list[str] | None = Field(default=None, min_length=1, max_length=12)
    availability: list[SlotIn] | None = Field(default=None, min_length=1, max_length=21)
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")

class DecisionBody(RequestModel):
    note: str | None = Field(default=None, max_length=200)

class SkillRead(BaseModel):
    code: str
    name: str
    name_en: str
    service_types: list[str]
    adults_only: bool

class VolunteerRead(BaseModel):
    id: int
    person_id: int
    name: str
    id_number: str = Field(description="masked")
    phone: str | None = Field(description="masked unless it is the caller's own")
    age: int
    skills: list[str]
    availability: list[dict]
    region_code: str
    emergency_contact: dict | None
    guardian: dict | None
    status: Literal["pending", "approved", "rejected", "suspended"]
    certificate_no: str | None
    hours: float
    stars: int
    teams: list[int]
    version: int

class TeamCreate(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    region_code: str = Field(pattern=r"^\d{12}$")
    leader_id: int = Field(ge=1)
    skills: list[str] = Field(default_factory=list, max_length=12)

class TeamMemberAdd(RequestModel):
    volunteer_id: int = Field(ge=1)

class TeamRead(BaseModel):
    id: int
    name: str
    region_code: str
    unit_id: int
    leader_id: int
    skills: list[str]
    members: list[int]

class TaskCreate(RequestModel):
    title: str = Field(min_length=2, max_length=100)
    description: str | None = Field(default=None, max_length=2000)
    region_code: str = Field(pattern=r"^\d{12}$")
    place: str = Field(min_length=2, max_length=200)
    starts_at: AwareDatetime
    ends_at: AwareDatetime
    skills: list[str] = Field(default_factory=list, max_length=12)
    capacity: int = Field(ge=1, le=1000)
    team_id: int | None = Field(default=None, ge=1)
    adults_only: bool = False
    timebank: bool = False

    @model_validator(mode="after")
    def _order(self) -> "TaskCreate":
        if self.ends_at <= self.starts_at:
            raise invalid("period_end_before_start")
        return self

class TaskRead(BaseModel):
    id: int
    title: str
    description: str | None
    unit_id: int
    team_id: int | None
    region_code: str
    place: str
    starts_at: datetime
    ends_at: datetime
    skills: list[str]
    capacity: int
    signed_up: int
    adults_only: bool
    timebank: bool
    status: str
    version: int

class AttendanceBody(RequestModel):
    at: AwareDatetime | None = Field(default=None, description="when; now if absent (never in the future)")
    volunteer_id: int | None = Field(default=None, ge=1, description="staff recording for a volunteer")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)

class SignupRead(BaseModel):
    id: int
    task_id: int
    volunteer_id: int
    status: str
    signed_up_at: datetime
    check_in_at: datetime | None
    check_out_at: datetime | None
    minutes: int | None

class RecordEntry(BaseModel):
    date: date
    title: str
    hours: float
    issuing_unit: str
    kind: Literal["task", "eldercare"]
    team: str | None

class ServiceRecord(BaseModel):
    volunteer_id: int
    name: str
    id_number: str
    certificate_no: str | None
    issuing_unit: str | None
    registered_on: date | None
    hours: float
    stars: int
    next_star_at_hours: int | None
    tasks: int
    entries: list[RecordEntry]
    as_of: date

class AccountRead(BaseModel):
    person_id: int | None
    pool_region_code: str | None
    hours: float = Field(description="own hours: transferable and redeemable")
    team_hours: float = Field(description="earned in a team: may only be donated")
    cap_hours: int
    entries: list[dict]

class TransferCreate(RequestModel):
    from_person_id: int | None = Field(default=None, ge=1, description="staff acting for a volunteer; else the caller")
    to_person_id: int = Field(ge=1)
    hours: float = Field(gt=0, le=1500, multiple_of=0.25)
    note: str | None = Field(default=None, max_length=200)

class DonationCreate(RequestModel):
    from_person_id: int | None = Field(default=None, ge=1)
    hours: float = Field(gt=0, le=1500, multiple_of=0.25)
    bucket: Literal["own", "team"] = "team"

class RedemptionCreate(RequestModel):
    person_id: int | None = Field(default=None, ge=1, description="whose hours; the caller's own if absent")
    case_id: int = Field(ge=1, description="the eldercare order the hours pay for")
    hours: float = Field(gt=0, le=1500, multiple_of=0.25,
                         description="at most what the order leaves to pay: the elder's share (after the order's "
                                     "subsidy) of the visits done or booked, less what hours already paid")
    override: OverrideIn | None = Field(default=None, description="a leader's sign-off (the time-bank counter) to "
                                                                  "redeem more than the order leaves to pay; never "
                                                                  "below a zero balance")

class DepositCreate(RequestModel):
    task_id: int = Field(ge=1)

class LedgerResult(BaseModel):
    entries: list[dict]
    balance_hours: float | None = Field(description="the caller's side after the move (none for a task deposit)")
