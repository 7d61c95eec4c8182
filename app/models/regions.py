"""The gazetteer: regions in the 12-digit statistical division tree, the named places inside communities
(compounds, landmarks, road segments with house-number ranges) and community boundaries."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, Float, ForeignKey, Index, String, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow


class Region(SQLModel, table=True):
    __tablename__ = "regions"

    code: str = Field(sa_column=Column(String(12), primary_key=True))
    name: str = Field(max_length=64, index=True)
    # The official English name where the city publishes one (polyphones: 岗厦 Gangxia); else romanised on read.
    name_en: str | None = Field(default=None, max_length=128)
    level: str = Field(max_length=16)  # province | city | district | subdistrict | community
    parent_code: str | None = Field(
        default=None, sa_column=Column(String(12), ForeignKey("regions.code"), index=True)
    )
    # Statistical-only units (保税区, 前海合作区 and their 虚拟社区) hold no offices.
    statistical: bool = False
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    # Residential compounds and landmarks inside the region (小区、楼盘、地标), loaded by an administrator.
    places: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    # The deadline profile of this region and everything under it (a district's rules); None: the parent's.
    profile_code: str | None = Field(default=None, sa_column=Column(
        String(48), ForeignKey("deadline_profiles.code", name="fk_regions_profile_code")))


class Place(SQLModel, table=True):
    """A named place callers say, tied to one community: a compound (小区, 城中村), a landmark, or a stretch of
    house numbers on a road. A place covering several communities has one row per community, its note tagged
    (`spans;`, `ambiguous;`, `uncertain-community;`, `by-name;`: seed/places/README.md)."""

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("kind", "name", "community_code", name="uq_places_kind_name_community"),
        Index("ix_places_community", "community_code"),
        Index("ix_places_road", "road"),
    )

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    kind: str = Field(max_length=16)  # compound | landmark | road_segment
    name: str = Field(max_length=80)
    aliases: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    community_code: str = Field(sa_column=Column(String(12), ForeignKey("regions.code", name="fk_places_community"),
                                                 nullable=False))
    road: str | None = Field(default=None, max_length=40)  # road segments: the road, and its numbers
    number_from: int | None = None
    number_to: int | None = None
    parity: str | None = Field(default=None, max_length=4)  # odd | even | all
    latitude: float | None = Field(default=None, sa_column=Column(Float))
    longitude: float | None = Field(default=None, sa_column=Column(Float))
    source: str = Field(sa_column=Column(Text, nullable=False))
    verified: bool = False
    note: str | None = Field(default=None, sa_column=Column(Text))
    active: bool = True


class Boundary(SQLModel, table=True):
    """A community's polygon (GeoJSON geometry, WGS-84/GCJ-02 as the city's map uses), placed by point-in-polygon."""

    __tablename__ = "boundaries"

    community_code: str = Field(sa_column=Column(
        String(12), ForeignKey("regions.code", name="fk_boundaries_community"), primary_key=True))
    geometry: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))  # Polygon | MultiPolygon
    source: str = Field(sa_column=Column(Text, nullable=False))
    synthetic: bool = False  # generated for tests and demos, never the city's real boundary
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
