"""People's mediation: dispute types and the routes a dispute may be handed to."""

from sqlalchemy import Column, ForeignKey, String
from sqlmodel import Field, SQLModel

from app.models.base import JsonType


class DisputeType(SQLModel, table=True):
    __tablename__ = "dispute_types"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("categories.code",
                                                                       name="fk_dispute_types_category"),
                                                nullable=False))
    # A matter the law gives to another authority: who decides it instead (None: people's mediation may take it).
    reserved_to: str | None = Field(default=None, max_length=100)
    reserved_to_en: str | None = Field(default=None, max_length=160)
    # The routes a failed mediation names (Art 26): arbitration, administrative, court …
    other_routes: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))


class MediationHandoff(SQLModel, table=True):
    """Where the big-mediation network (大调解) hands a dispute on: the police, labour arbitration, the court, 信访."""

    __tablename__ = "mediation_handoffs"

    code: str = Field(sa_column=Column(String(32), primary_key=True))
    name: str = Field(max_length=32)
    name_en: str = Field(max_length=64)
    unit_kind: str = Field(sa_column=Column(String(48), ForeignKey("unit_kinds.code",
                                                                   name="fk_mediation_handoffs_kind"),
                                            nullable=False))
