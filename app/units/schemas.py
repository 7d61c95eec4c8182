from typing import Any

from pydantic import BaseModel, ConfigDict, Field


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
    name_en: str = Field(default="", description="The English name, from its place's and its kind's")
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

    @classmethod
    def of(cls, unit: Any, english: bool = False) -> "UnitBrief":
        """The unit named in the reader's language (a snapshot's unit carries its English name)."""
        brief = cls.model_validate(unit, from_attributes=True)
        name_en = getattr(unit, "name_en", "")
        return brief.model_copy(update={"name": name_en}) if english and name_en else brief
