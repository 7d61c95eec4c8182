"""API models of residence registration: filing a tenancy, the stage bodies, the case's payload, the views."""

from datetime import date, datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from app.core.schemas import RequestModel

Filer = Literal["landlord", "tenant"]


# --- filing ------------------------------------------------------------------------------------------------------

class LandlordIn(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32, description="居民身份证号码 (18 digits, or 15 of the first "
                                                                    "generation); held encrypted, shown masked")
    phone: str | None = Field(default=None, max_length=20, description="a mainland mobile")


class TenantIn(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=1, max_length=32, description="居民身份证号码; held encrypted, shown masked")


class TenancyCreate(RequestModel):
    filed_by: Filer = Field(description="who files: the landlord, or a tenant (the first listed)")
    region_code: str = Field(pattern=r"^\d{12}$", description="the community the rented home is in")
    address: str = Field(min_length=4, max_length=200, description="the rented home (building, room)")
    landlord: LandlordIn
    tenants: list[TenantIn] = Field(min_length=1, max_length=20)
    start_date: date = Field(description="the first day lived in")
    end_date: date = Field(description="the last day of the tenancy (租期届满之日)")
    note: str | None = Field(default=None, max_length=500)


# --- stage bodies ------------------------------------------------------------------------------------------------

class VerifyBody(RequestModel):
    checked_on: date = Field(description="the day the community checked the tenancy")
    method: Literal["on_site", "documents", "online"] = Field(description="上门核查, 材料核验 or 网上核验")
    note: str | None = Field(default=None, max_length=500)


class RejectBody(RequestModel):
    reasons: str = Field(min_length=4, max_length=2000, description="the written reasons the filer receives")


class ExtendBody(RequestModel):
    end_date: date = Field(description="the tenancy's new last day (续租)")
    note: str | None = Field(default=None, max_length=500)


class EndEarlyBody(RequestModel):
    ended_on: date = Field(description="the last day lived in (退租)")
    reason: str = Field(min_length=2, max_length=500)


# --- the case's payload ----------------------------------------------------------------------------------------

class PartyKept(BaseModel):
    """A party as the case keeps it: the number masked (the register's row holds it encrypted)."""

    name: str
    id_number: str = Field(description="masked: first 3 and last 4")
    phone: str | None = Field(default=None, description="masked")


class Recorded(BaseModel):
    at: datetime
    by_user_id: int | None = None


class Verification(Recorded):
    checked_on: date
    method: str
    note: str | None = None
    certificate_no: str


class Rejection(Recorded):
    reasons: str


class Extension(Recorded):
    end_before: date
    end_after: date
    note: str | None = None


class Ending(Recorded):
    ended_on: date
    reason: str
    by_rule: bool = False  # lapsed at the end of the tenancy


class HousingPayload(BaseModel):
    """The tenancy as the case carries it."""

    model_config = ConfigDict(extra="forbid")

    filed_by: Filer
    landlord: PartyKept
    tenants: list[PartyKept]
    start_date: date
    end_date: date
    counted_from: date = Field(description="registered residence counts from here: the later of the start and "
                                           "the day it was filed")
    lapses_at: datetime = Field(description="when the day after the last day begins")
    verify_limit: dict[str, int] = Field(description="the profile's limit for the community's verification")
    note: str | None = None
    certificate_no: str | None = None
    verification: Verification | None = None
    rejection: Rejection | None = None
    extensions: list[Extension] = Field(default_factory=list)
    reminded_at: datetime | None = None
    ending: Ending | None = None


# --- views -------------------------------------------------------------------------------------------------------

class ResidentRead(BaseModel):
    seq: int
    name: str
    id_number: str = Field(description="masked")
    certificate_no: str | None = Field(description="the registration's certificate and the tenant's number in it")
    months_registered: int = Field(description="whole months of continuous registration up to today, across "
                                               "tenancies")
    meets_residence_permit: bool


class TrackStep(BaseModel):
    at: datetime
    type: str
    stage: str | None


class RegistrationRead(BaseModel):
    id: int
    number: str
    stage: str | None
    stage_name: str
    stage_name_en: str
    status: str
    handling_unit: str | None
    region_code: str
    address: str
    filed_by: str
    landlord: PartyKept
    tenants: list[ResidentRead]
    start_date: date
    end_date: date
    counted_from: date
    certificate_no: str | None
    registered_at: datetime | None
    verify_due: datetime | None = Field(description="the community's verification deadline (the handling due)")
    calendar_complete: bool = Field(description="False while the deadline runs into a year whose official "
                                                "holiday schedule is not out yet")
    remind_at: datetime | None
    reminded_at: datetime | None
    lapses_at: datetime | None = Field(description="when the registration lapses, unless extended or ended")
    ended_on: date | None
    residence_permit_months: int = Field(description="the place's requirement (data: the profile's housing "
                                                     "section)")
    steps: list[TrackStep]


class ResidenceLookup(RequestModel):
    id_number: str = Field(min_length=1, max_length=32)
    reason: str = Field(min_length=2, max_length=200, description="why the number is looked up (audited)")


class PeriodRead(BaseModel):
    case_id: int
    certificate_no: str | None
    region_code: str
    stage: str | None
    first: date
    last: date | None = Field(description="None while it runs")


class ResidenceRead(BaseModel):
    """How long a person has been registered, and where that leaves them for the residence permit (居住证)."""

    name: str | None
    id_number: str = Field(description="masked")
    registered_today: bool
    continuous_since: date | None
    months_registered: int
    residence_permit_months: int
    meets_residence_permit: bool
    meets_on: date | None = Field(description="the day the continuous run reaches the requirement, if it goes on")
    basis: str = Field(description="the rule the requirement comes from, as the profile cites it")
    registrations: list[PeriodRead]
