"""A city's reference data loaded from files: each applied import is a new version of the catalogue."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime


class CatalogueVersion(SQLModel, table=True):
    """One applied import: what files, by whom, what changed. The highest id is the catalogue in force."""

    __tablename__ = "catalogue_versions"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    actor_user_id: int | None = Field(default=None, sa_column=Column(
        BigIntPK, ForeignKey("users.id", name="fk_catalogue_versions_actor")))
    files: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    changes: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
