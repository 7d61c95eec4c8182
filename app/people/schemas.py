"""API models of the resident register. ID numbers leave only masked, except through the audited reveal."""

from datetime import date
from typing import Literal

from pydantic import BaseModel, Field, model_validator

from app.care_policy.policy import Flag
from app.core.schemas import RequestModel

Relation = Literal["spouse", "child", "parent", "grandparent", "grandchild", "sibling", "guardian", "ward"]
INVERSE: dict[str, str] = {"spouse": "spouse", "child": "parent", "parent": "child", "grandparent": "grandchild",
                           "grandchild": "grandparent", "sibling": "sibling", "guardian": "ward", "ward": "guardian"}
GRADED = {"disability_grade": (1, 4), "care_level": (0, 4)}


class FlagIn(RequestModel):
    flag: Flag
    value: str | None = Field(default=None, max_length=16, description="disability_grade 1–4; care_level 0–4")
    source: str = Field(min_length=2, max_length=100, description="who established it (民政局认定, 评估机构 …)")
    since: date
    until: date | None = None

    @model_validator(mode="after")
    def _graded(self) -> "FlagIn":
        bounds = GRADED.get(self.flag)
        if bounds is not None:
            if self.value is None or not self.value.isdigit() or not bounds[0] <= int(self.value) <= bounds[1]:
                raise ValueError(f"{self.flag} needs a value from {bounds[0]} to {bounds[1]}")
        elif self.value is not None:
            raise ValueError(f"{self.flag} takes no value")
        if self.until is not None and self.until < self.since:
            raise ValueError("until is before since")
        return self


class PersonBase(RequestModel):
    name: str = Field(min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=20)
    region_code: str = Field(pattern=r"^\d{12}$", description="the community of residence")
    address: str | None = Field(default=None, max_length=200)


class PersonCreate(PersonBase):
    id_number: str = Field(min_length=15, max_length=24, description="18-digit resident ID number")
    flags: list[FlagIn] = Field(default_factory=list, max_length=10)


class PersonUpdate(RequestModel):
    name: str | None = Field(default=None, min_length=1, max_length=64)
    phone: str | None = Field(default=None, max_length=20, description="null removes it")
    region_code: str | None = Field(default=None, pattern=r"^\d{12}$")
    address: str | None = Field(default=None, max_length=200, description="null removes it")

    @model_validator(mode="after")
    def _required_stay(self) -> "PersonUpdate":
        for name in ("name", "region_code"):
            if name in self.model_fields_set and getattr(self, name) is None:
                raise ValueError(f"{name} cannot be removed")
        return self


class PersonBind(RequestModel):
    """An account states its real identity: it is bound to the register entry with that ID number."""

    name: str = Field(min_length=1, max_length=64)
    id_number: str = Field(min_length=15, max_length=24)
    region_code: str = Field(pattern=r"^\d{12}$")
    address: str | None = Field(default=None, max_length=200)


class PersonLookup(RequestModel):
    id_number: str = Field(min_length=15, max_length=24)


class LinkCreate(RequestModel):
    relative_id: int = Field(ge=1)
    relation: Relation = Field(description="what the relative is to this person")


class RevealBody(RequestModel):
    reason: str = Field(min_length=2, max_length=200, description="why the full numbers are needed (audited)")


class FlagRead(BaseModel):
    id: int
    flag: str
    value: str | None
    source: str
    since: date
    until: date | None
    active: bool


class RelativeRead(BaseModel):
    person_id: int
    name: str
    relation: str
    age: int


class PersonRead(BaseModel):
    id: int
    name: str
    id_number: str = Field(description="masked: first 3 and last 4")
    birth_date: date
    sex: Literal["male", "female"]
    age: int
    phone: str | None = Field(description="masked in lists and for residents' relatives")
    region_code: str
    address: str | None
    flags: list[FlagRead]
    household: list[RelativeRead]
    has_account: bool
    version: int


class PersonSummary(BaseModel):
    id: int
    name: str
    id_number: str
    age: int
    sex: str
    phone: str | None
    region_code: str


class IdentityRead(BaseModel):
    id: int
    name: str
    id_number: str
    phone: str | None
