"""The knowledge base's articles."""

from datetime import date, datetime

from sqlalchemy import Column, ForeignKey, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow


class KnowledgeArticle(SQLModel, table=True):
    """A vetted answer agents may give directly (直办), with its policy basis and validity."""

    __tablename__ = "knowledge_articles"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    code: str = Field(max_length=64, unique=True)
    category_code: str = Field(sa_column=Column(String(64), ForeignKey("categories.code"), nullable=False))
    question: str = Field(max_length=300)
    answer: str = Field(sa_column=Column(Text, nullable=False))
    keywords: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    policy_title: str | None = Field(default=None, max_length=200)
    document_number: str | None = Field(default=None, max_length=100)
    valid_from: date
    valid_to: date | None = None
    note: str | None = Field(default=None, sa_column=Column(Text))
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    version: int = 1
