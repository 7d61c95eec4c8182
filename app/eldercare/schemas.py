"""API models of eldercare orders, eligibility, candidates and visits."""

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, Field, model_validator

from app.care_policy.policy import ServiceType
from app.core.overrides import OverrideIn
from app.core.schemas import PairedCoordinates, RequestModel, invalid


class EligibilityQuery(RequestModel):
    person_id: int = Field(ge=1)
    service_type: ServiceType


class CareReasonRead(BaseModel):
    code: str
    text: str
    text_en: str


class CareEligibilityRead(BaseModel):
    person_id: int
    service_type: str
    subsidised: bool
    level: str | None
    level_name: str | None
    percent: int
    age: int
    reasons: list[CareReasonRead]
    policy: str


class OrderCreate(RequestModel):
    person_id: int = Field(ge=1, description="the elder, from the register")
    service_type: ServiceType
    scheduled_at: AwareDatetime | None = Field(default=None, description="when the elder would like it")
    notes: str | None = Field(default=None, max_length=500)


class ScheduleBody(RequestModel):
    volunteer_id: int | None = Field(default=None, ge=1)
    provider_unit_id: int | None = Field(default=None, ge=1)
    scheduled_at: AwareDatetime
    planned_minutes: int = Field(default=60, ge=10, le=600)
    override: OverrideIn | None = Field(default=None, description="a leader's sign-off when the subsidy the visit "
                                                                  "runs under departs from the latest eligibility "
                                                                  "result (it changed since staff decided it)")

    @model_validator(mode="after")
    def _one(self) -> "ScheduleBody":
        if (self.volunteer_id is None) == (self.provider_unit_id is None):
            raise invalid("visit_provider_one")
        return self


class SubsidyDecisionBody(RequestModel):
    """Staff decide the subsidy the order runs under: the latest eligibility result's band, or another with a
    leader's override."""

    level: str | None = Field(default=None, max_length=32,
                              description="the policy's band (the eligibility result's `level`); null: no subsidy, "
                                          "the service at full price")
    percent: int | None = Field(default=None, ge=0, le=100,
                                description="the share subsidised; the band's own percent if absent (0 without a "
                                            "band)")
    note: str | None = Field(default=None, max_length=500)
    override: OverrideIn | None = Field(default=None, description="a leader's sign-off when the decision departs "
                                                                  "from the latest eligibility result")

    @model_validator(mode="after")
    def _percent_needs_band(self) -> "SubsidyDecisionBody":
        if self.level is None and self.percent:
            raise invalid("subsidy_percent_without_level")
        return self


class ReassessBody(RequestModel):
    note: str | None = Field(default=None, max_length=500, description="what prompted it (a new assessment …)")


class CancelVisitBody(RequestModel):
    visit_id: int = Field(ge=1)
    reason: str = Field(min_length=2, max_length=200)


class CompleteBody(RequestModel):
    text: str | None = Field(default=None, max_length=500, description="the note to the family; generated if absent")


class VisitCheckBody(RequestModel, PairedCoordinates):
    at: AwareDatetime | None = Field(default=None, description="when; now if absent (never in the future)")
    latitude: float | None = Field(default=None, ge=-90, le=90)
    longitude: float | None = Field(default=None, ge=-180, le=180)


class WindowExtension(RequestModel):
    """Staff extend a visit's booked window: the hours up to the new end count as service."""

    ends_at: AwareDatetime = Field(description="the new end of the window")
    reason: str = Field(min_length=2, max_length=300)


class RatingBody(RequestModel):
    stars: int = Field(ge=1, le=5)
    comment: str | None = Field(default=None, max_length=500)


class CandidateRead(BaseModel):
    volunteer_id: int
    name: str
    score: float
    skills: list[str]
    reasons: list[str]
    reasons_en: list[str]


class CandidatesRead(BaseModel):
    case_id: int
    service_type: str
    needed_skills: list[str]
    at: datetime
    candidates: list[CandidateRead]
    excluded: dict[str, int] = Field(description="how many were left out, by reason")


class VisitRead(BaseModel):
    id: int
    case_id: int
    provider_unit_id: int | None
    volunteer_id: int | None
    scheduled_at: datetime
    planned_minutes: int
    status: str
    check_in_at: datetime | None
    check_out_at: datetime | None
    minutes: int | None = Field(description="as checked in and out")
    certified_minutes: int | None = Field(default=None, description="inside the booked window: certified, banked")
    pending_minutes: int = Field(default=0, description="outside the window: waiting for staff to extend it")
    unlocated: bool = Field(default=False, description="checked in without a location (where the policy allows)")
    window_ends_at: datetime | None = Field(default=None, description="the window's end, when staff extended it")
    rating: int | None
    rated_as: str | None


class VolunteerVisitRead(VisitRead):
    """A visit as the volunteer sees it: where to go and for whom, no more."""

    service_type: str
    elder_name: str
    address: str | None
    region_code: str
    elder_phone: str | None = Field(description="masked")
