"""The hotline classifier's corrections by agents."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, Text
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime


class ClassifierFeedback(SQLModel, table=True):
    """An agent chose a different category than the classifier suggested: training data for later."""

    __tablename__ = "classifier_feedback"
    __table_args__ = (Index("ix_classifier_feedback_at", "at"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id"), nullable=False))
    at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    text: str = Field(sa_column=Column(Text, nullable=False))
    suggested: list[dict[str, Any]] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    chosen: str = Field(max_length=64)
    by_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
