from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from app.core.romanize import place_name_en


class RegionRead(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    name_en: str | None = Field(default=None, description="The English name: the city's official one, or the "
                                                          "name romanised (pinyin and the generic part translated)")
    level: str
    parent_code: str | None
    statistical: bool
    aliases: list[str]
    places: list[str] = []


    @model_validator(mode="after")
    def _english(self) -> "RegionRead":
        if not self.name_en:
            self.name_en = place_name_en(self.name)
        return self


class PlacesUpdate(BaseModel):
    """Residential compounds and landmarks in the region, as residents name them (小区、楼盘、地标)."""

    model_config = ConfigDict(extra="forbid")

    places: list[Annotated[str, StringConstraints(strip_whitespace=True, min_length=2, max_length=40)]] = Field(
        max_length=2000)


class RegionDetail(RegionRead):
    path: list[RegionRead]
    children_count: int


class ResolveRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    address: str = Field(min_length=2, max_length=200)


class MatchedPart(BaseModel):
    text: str
    region_code: str
    # name | short | alias (an old name) | place (a name placed on the region) | fuzzy; compound | landmark (a
    # place's usual name), compound_alias | landmark_alias (another name of it); road_number (a house number)
    kind: str


class ResolveCandidate(BaseModel):
    region_code: str
    name: str
    level: str
    path: str
    reason: str | None = None  # why this is a candidate (a place spanning communities, a boundary number, ...)


class ResolveResult(BaseModel):
    region_code: str | None
    name: str | None
    level: str | None
    confidence: float
    ambiguous: bool
    matched: list[MatchedPart]
    candidates: list[ResolveCandidate]
    # What decided: place | alias | by_name (a village assumed in the community named after it) | number (a
    # house number in a road segment) | agree (several of these) | candidates | uncertain (only the subdistrict
    # is believed) | road_only | division | fuzzy | none
    match: str = "none"
