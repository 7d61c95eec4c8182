from pydantic import BaseModel, ConfigDict


class UnitKindRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str
    level: str


class UnitRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    code: str
    name: str
    kind: str
    region_code: str
    parent_id: int | None
    phone: str | None
    address: str | None
    active: bool


class UnitBrief(BaseModel):
    """A unit as it appears inside a case or a routing decision."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    kind: str
    region_code: str
