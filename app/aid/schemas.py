"""API models of social-aid applications: the household, the eligibility answer, the stage bodies, the track."""

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.core.overrides import OverrideIn
from app.core.schemas import RequestModel, invalid

Relationship = Literal["applicant", "spouse", "child", "parent", "grandparent", "grandchild", "sibling", "other"]
Scheme = Literal["dibao", "tekun", "temporary"]


class IncomeIn(RequestModel):
    source: Literal["wage", "pension", "business", "farming", "property", "transfer", "other"]
    month: str = Field(pattern=r"^\d{4}-(0[1-9]|1[0-2])$", description="YYYY-MM")
    amount: Decimal = Field(ge=0, max_digits=12, decimal_places=2)


class MemberIn(RequestModel):
    person_id: int | None = Field(default=None, ge=1, description="from the register; else name (and birth_date)")
    name: str | None = Field(default=None, min_length=1, max_length=64)
    relationship: Relationship
    birth_date: date | None = None
    disability_grade: int | None = Field(default=None, ge=1, le=4)
    monthly_income: Decimal | None = Field(default=None, ge=0, max_digits=12, decimal_places=2)
    incomes: list[IncomeIn] = Field(default_factory=list, max_length=72, description="by source and month")
    able_to_work: bool | None = None
    able_to_support: bool | None = Field(
        default=None, description="特困: a supporter with the means to support; if absent, read from age and income")

    @model_validator(mode="after")
    def _who_and_how_much(self) -> "MemberIn":
        if self.person_id is None and not self.name:
            raise invalid("member_who_missing")
        if self.monthly_income is None and not self.incomes:
            raise invalid("member_income_missing")
        return self


class VehicleIn(RequestModel):
    value: Decimal = Field(ge=0, max_digits=12, decimal_places=2)
    purpose: Literal["private", "operating", "disability"]


class AssetsIn(RequestModel):
    savings: Decimal = Field(default=Decimal(0), ge=0, max_digits=14, decimal_places=2)
    vehicles: list[VehicleIn] = Field(default_factory=list, max_length=10)
    properties: int = Field(default=0, ge=0, le=50)


class TemporaryIn(RequestModel):
    type: Literal["emergency", "expense"]
    amount: Decimal = Field(default=Decimal(0), ge=0, max_digits=12, decimal_places=2)
    description: str = Field(min_length=4, max_length=1000)


class Household(RequestModel):
    scheme: Scheme
    region_code: str = Field(pattern=r"^\d{12}$", description="the community of household registration (户籍地)")
    members: list[MemberIn] = Field(min_length=1, max_length=20)
    assets: AssetsIn = Field(default_factory=AssetsIn)
    temporary: TemporaryIn | None = None


class AidReasonRead(BaseModel):
    code: str
    passed: bool
    text: str
    text_en: str


class AidEligibilityRead(BaseModel):
    eligible: bool
    scheme: str
    per_capita_income: float
    line: float
    line_effective_from: date
    line_source: str
    members: int
    reasons: list[AidReasonRead]
    entitlement: str | None = Field(default=None, description="低保: the monthly amount this check entitles the "
                                                              "household to (the gap to the line, for the whole "
                                                              "household); an approval of another amount needs a "
                                                              "leader's override")


# --- stage bodies ----------------------------------------------------------------------------------------------

class AidNoteBody(RequestModel):
    note: str | None = Field(default=None, max_length=500)


class MissingItem(RequestModel):
    name: str = Field(min_length=2, max_length=100)
    detail: str | None = Field(default=None, max_length=300)


class AidRequestMaterialsBody(RequestModel):
    items: list[MissingItem] = Field(min_length=1, max_length=30, description="everything missing, in one list")


class AidSupplementBody(RequestModel):
    materials: list[str] = Field(min_length=1, max_length=30, description="what was brought (names or file refs)")
    note: str | None = Field(default=None, max_length=500)


class GrantFirstBody(RequestModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2)
    note: str = Field(min_length=4, max_length=500)


class AidCheckBody(RequestModel):
    findings: str = Field(min_length=4, max_length=4000, description="入户调查 and the finance check's findings")
    visited_on: date
    members: list[MemberIn] | None = Field(default=None, max_length=20, description="the household as verified")
    assets: AssetsIn | None = None


class NoticeBody(RequestModel):
    place: str = Field(min_length=2, max_length=200, description="where the notice is posted (社区公示栏 …)")


class ObjectionBody(RequestModel):
    text: str = Field(min_length=4, max_length=2000)
    by: str | None = Field(default=None, max_length=64, description="the objector, if they gave a name")


class AidApproveBody(RequestModel):
    amount: Decimal = Field(gt=0, max_digits=12, decimal_places=2,
                            description="monthly for 低保 and 特困; once for temporary aid. For 低保 it must be "
                                        "the entitlement the latest check gives (the gap to the line times the "
                                        "household size), or carry an override")
    note: str | None = Field(default=None, max_length=500)
    override: OverrideIn | None = Field(default=None, description="a leader's sign-off when the approval departs "
                                                                  "from the latest check (ineligible, or another "
                                                                  "amount)")


class AidRejectBody(RequestModel):
    reasons: str = Field(min_length=4, max_length=2000, description="the written reasons the applicant receives")
    legal_basis: str | None = Field(default=None, max_length=300)


class AidTrackStep(BaseModel):
    at: datetime
    type: str
    stage: str | None
    note: str | None


class AidTrack(BaseModel):
    id: int
    number: str
    scheme: str
    stage: str | None
    stage_name: str
    stage_name_en: str
    status: str
    handling_unit: str | None
    applied_at: datetime
    due: datetime | None = Field(description="the whole process's deadline (25 working days, 40 when extended)")
    decision_due: datetime | None = Field(description="10 working days after the notice ended")
    calendar_complete: bool = Field(default=True, description="False while a date above runs into a year whose "
                                                               "official holiday schedule is not out yet (it is "
                                                               "re-planned, never earlier, when it is)")
    missing: list[dict] | None
    notice: dict | None
    decision: dict | None
    steps: list[AidTrackStep]
