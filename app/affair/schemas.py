"""API models for the service guide and affair applications."""

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from app.core.schemas import RequestModel
from app.files.schemas import FileId
from app.routing.schemas import CategoryBrief

ItemType = Literal["行政许可", "行政给付", "行政确认", "公共服务", "其他行政权力"]
MaterialForm = Literal["original", "copy", "original_and_copy", "electronic"]
Short = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Word = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=32)]


# --- the service guide ----------------------------------------------------------------------------------------

class MaterialSpec(RequestModel):
    code: str = Field(pattern=r"^[a-z][a-z0-9_]{1,47}$")
    name: str = Field(min_length=1, max_length=100)
    form: MaterialForm = "original"
    copies: int = Field(default=1, ge=0, le=10)
    required: bool = True
    may_come_later: bool = Field(default=False, description="Required but may follow under 容缺受理 (not key)")
    note: str | None = Field(default=None, max_length=200)


class Fees(RequestModel):
    free: bool = True
    amount: float | None = Field(default=None, ge=0)
    basis: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _charged_has_amount(self) -> "Fees":
        if not self.free and self.amount is None:
            raise ValueError("a charged item states its amount")
        return self


class ServiceItemBase(RequestModel):
    name: str = Field(min_length=2, max_length=100)
    name_en: str = Field(min_length=2, max_length=160)
    type: ItemType
    category: str = Field(max_length=64, description="A leaf category; cases filed under the item carry it")
    department: str = Field(min_length=2, max_length=100, description="Competent department (主管部门)")
    handling_unit_kind: str = Field(max_length=48, description="The kind of unit that accepts and decides it, "
                                                               "found in the applicant's jurisdiction")
    applicants: str = Field(min_length=2, max_length=1000)
    conditions: list[Short] = Field(default_factory=list, max_length=30)
    materials: list[MaterialSpec] = Field(min_length=1, max_length=40)
    steps: list[Word] = Field(default_factory=list, max_length=20)
    statutory_days: int | None = Field(default=None, ge=0, le=365)
    promised_days: int = Field(ge=0, le=365, description="Working days promised; 0 = decided on the spot (即办)")
    fees: Fees = Field(default_factory=Fees)
    online: bool = False
    visits: int = Field(default=1, ge=0, le=5)
    proxy_allowed: bool = True
    legal_basis: list[Short] = Field(default_factory=list, max_length=20)
    life_events: list[Word] = Field(default_factory=list, max_length=10)
    keywords: list[Word] = Field(default_factory=list, max_length=20)

    @model_validator(mode="after")
    def _consistent(self) -> "ServiceItemBase":
        codes = [m.code for m in self.materials]
        if len(codes) != len(set(codes)):
            raise ValueError("material codes must be unique within an item")
        if self.statutory_days is not None and self.promised_days > self.statutory_days:
            raise ValueError("the promised limit cannot exceed the statutory one")
        return self


class ServiceItemCreate(ServiceItemBase):
    code: str = Field(pattern=r"^[A-Z][A-Z0-9-]{2,47}$")


class ServiceItemUpdate(ServiceItemBase):
    """A full new version of the item; applications already filed keep the version they were filed under."""


class MaterialRead(BaseModel):
    code: str
    name: str
    form: str
    copies: int
    required: bool
    may_come_later: bool
    key: bool = Field(description="Required and may not come later: 容缺 is impossible without it")
    note: str | None = None


class TimeLimit(BaseModel):
    statutory_days: int | None
    promised_days: int
    on_the_spot: bool
    text: str
    text_en: str


class NamedCode(BaseModel):
    code: str
    name: str
    name_en: str | None = None


class ServiceItemRead(BaseModel):
    code: str
    version: int
    current: bool
    status: str
    name: str
    name_en: str
    type: str
    category: CategoryBrief
    department: str
    handling_unit_kind: NamedCode
    applicants: str
    conditions: list[str]
    materials: list[MaterialRead]
    steps: list[str]
    time_limit: TimeLimit
    fees: dict[str, Any]
    online: bool
    visits: int
    proxy_allowed: bool
    legal_basis: list[str]
    life_events: list[NamedCode]
    keywords: list[str]
    created_at: datetime


class ServiceItemSummary(BaseModel):
    code: str
    version: int
    name: str
    name_en: str
    type: str
    category: CategoryBrief
    promised_days: int
    on_the_spot: bool
    online: bool
    visits: int
    life_events: list[str]
    score: float | None = Field(default=None, description="Relevance to q, when searching")
    matched: list[str] = Field(default_factory=list, description="The words of q that matched")


class ItemPage(BaseModel):
    items: list[ServiceItemSummary]
    next_cursor: str | None


class CreditFlagCreate(RequestModel):
    id_number: str = Field(min_length=15, max_length=24)
    reason: str = Field(min_length=2, max_length=200)
    source: str = Field(min_length=2, max_length=100, description="The list it comes from (信用中国 …)")
    listed_on: datetime | None = None
    until: datetime | None = None
    note: str | None = Field(default=None, max_length=1000)


class CreditFlagRead(BaseModel):
    id: int
    id_number: str = Field(description="Masked")
    reason: str
    source: str
    listed_on: str
    until: str | None
    active: bool


# --- applications ---------------------------------------------------------------------------------------------

class ApplicantIn(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=64,
                             description="Required when staff file for someone; a resident's account name otherwise")
    id_number: str = Field(min_length=15, max_length=20, description="18-digit resident ID number, checksummed")
    phone: str | None = Field(default=None, max_length=20)


class ProvidedMaterial(RequestModel):
    code: str = Field(max_length=48)
    source: Literal["upload", "electronic_licence", "counter_checked"] = Field(
        description="An uploaded file, a licence from the e-licence system (电子证照), or an original the counter "
                    "checked (staff only)")
    file_id: FileId | None = Field(default=None, description="upload: the file you uploaded (POST /files); "
                                                             "counter_checked: optionally the counter's scan")
    file_ref: str | None = Field(default=None, max_length=200, description="electronic_licence: the licence's "
                                                                           "reference in the e-licence system")
    note: str | None = Field(default=None, max_length=200)

    @model_validator(mode="after")
    def _reference(self) -> "ProvidedMaterial":
        if self.source == "upload" and self.file_id is None:
            raise ValueError("an uploaded material names its file_id")
        if self.source == "electronic_licence" and not self.file_ref:
            raise ValueError("an electronic licence needs its file_ref")
        if self.source == "electronic_licence" and self.file_id is not None:
            raise ValueError("an electronic licence is not an uploaded file")
        if self.source == "upload" and self.file_ref:
            raise ValueError("an uploaded material is named by its file_id")
        return self


class ProxyIn(RequestModel):
    mode: Literal["proxy", "assisted", "home_visit"] = Field(
        description="代办 (someone files for the applicant), 帮办 (staff help the applicant), 上门办 (at home)")
    name: str | None = Field(default=None, max_length=64, description="The person filing for the applicant")
    relation: str | None = Field(default=None, max_length=32)
    id_number: str | None = Field(default=None, max_length=24)


class ApplicationCreate(RequestModel):
    item_code: str = Field(max_length=48)
    applicant: ApplicantIn
    region_code: str = Field(pattern=r"^\d{12}$", description="The applicant's community (jurisdiction)")
    address: str | None = Field(default=None, max_length=200)
    materials: list[ProvidedMaterial] = Field(default_factory=list, max_length=40)
    proxy: ProxyIn | None = None
    note: str | None = Field(default=None, max_length=1000)

    @field_validator("materials")
    @classmethod
    def _unique(cls, value: list[ProvidedMaterial]) -> list[ProvidedMaterial]:
        codes = [m.code for m in value]
        if len(codes) != len(set(codes)):
            raise ValueError("each material once")
        return value


class NoticeItem(RequestModel):
    material_code: str | None = Field(default=None, max_length=48, description="None: a problem not tied to one "
                                                                               "material of the guide")
    problem: Literal["missing", "invalid", "expired", "unclear", "other"]
    detail: str = Field(min_length=2, max_length=300)


class AcceptBody(RequestModel):
    note: str | None = Field(default=None, max_length=1000)


class AcceptPendingBody(RequestModel):
    promise: str = Field(min_length=4, max_length=1000, description="The applicant's signed promise (承诺书)")
    note: str | None = Field(default=None, max_length=1000)


class AffairRequestMaterialsBody(RequestModel):
    """一次性告知: everything missing or wrong, in one notice."""

    items: list[NoticeItem] = Field(min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=1000)


class AffairApproveBody(RequestModel):
    certificate_no: str | None = Field(default=None, max_length=64)
    collection: Literal["counter", "mail", "electronic", "none"] = "counter"
    text: str | None = Field(default=None, max_length=2000, description="What the applicant is told")
    note: str | None = Field(default=None, max_length=1000)


class AffairRejectBody(RequestModel):
    reasons: str = Field(min_length=4, max_length=2000)
    legal_basis: str = Field(min_length=2, max_length=500)
    note: str | None = Field(default=None, max_length=1000)


class AffairSupplementBody(RequestModel):
    materials: list[ProvidedMaterial] = Field(min_length=1, max_length=40)
    note: str | None = Field(default=None, max_length=1000)

    _unique = field_validator("materials")(ApplicationCreate._unique.__func__)


class TrackRequest(RequestModel):
    number: str = Field(min_length=8, max_length=32)
    id_number: str = Field(min_length=15, max_length=24)


class MissingMaterial(BaseModel):
    code: str
    name: str
    key: bool


class AffairTrackStep(BaseModel):
    at: datetime
    type: str
    stage: str | None
    note: str | None = None


class ApplicationTrack(BaseModel):
    """What the applicant sees: where it stands, what is still missing, and by when."""

    id: int
    number: str
    item: dict[str, Any]
    stage: str | None
    stage_name: str
    stage_name_en: str
    status: str
    handling_unit: str | None
    submitted_at: datetime
    promised_by: datetime | None = Field(description="The handling deadline; none while materials are awaited")
    supplement_due: datetime | None
    calendar_complete: bool = Field(default=True, description="False while a date above runs into a year whose "
                                                               "official holiday schedule is not out yet (it is "
                                                               "re-planned, never earlier, when it is)")
    missing: list[MissingMaterial]
    notice: dict[str, Any] | None = Field(description="The single list of what is missing or wrong, if returned")
    decision: dict[str, Any] | None
    proxy: dict[str, Any] | None
    steps: list[AffairTrackStep]
    version: int
