"""The gazetteer: regions in the 12-digit statistical division tree."""

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from app.models.base import JsonType


class Region(SQLModel, table=True):
    __tablename__ = "regions"

    code: str = Field(sa_column=Column(String(12), primary_key=True))
    name: str = Field(max_length=64, index=True)
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
