"""API models for the knowledge base."""

from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field, model_validator

from app.routing.schemas import CategoryBrief


class ArticleBase(BaseModel):
    category: str = Field(max_length=64)
    question: str = Field(min_length=4, max_length=300)
    answer: str = Field(min_length=10, max_length=4000)
    keywords: list[str] = Field(default_factory=list, max_length=20)
    policy_title: str | None = Field(default=None, max_length=200)
    document_number: str | None = Field(default=None, max_length=100)
    valid_from: date
    valid_to: date | None = None
    note: str | None = Field(default=None, max_length=1000)

    @model_validator(mode="after")
    def _valid_span(self) -> "ArticleBase":
        if self.valid_to is not None and self.valid_to < self.valid_from:
            raise ValueError("valid_to comes after valid_from")
        if any(not k.strip() or len(k) > 20 for k in self.keywords):
            raise ValueError("keywords are 1 to 20 characters")
        return self


class ArticleCreate(ArticleBase):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    code: str = Field(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")


class ArticleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    category: str | None = Field(default=None, max_length=64)
    question: str | None = Field(default=None, min_length=4, max_length=300)
    answer: str | None = Field(default=None, min_length=10, max_length=4000)
    keywords: list[str] | None = Field(default=None, max_length=20)
    policy_title: str | None = Field(default=None, max_length=200)
    document_number: str | None = Field(default=None, max_length=100)
    valid_from: date | None = None
    valid_to: date | None = None
    note: str | None = Field(default=None, max_length=1000)
    active: bool | None = None


class ArticleRead(BaseModel):
    code: str
    category: CategoryBrief
    question: str
    answer: str
    keywords: list[str]
    policy_title: str | None
    document_number: str | None
    valid_from: date
    valid_to: date | None
    note: str | None
    active: bool
    in_force: bool
    updated_at: datetime
    version: int


class SearchHit(BaseModel):
    article: ArticleRead
    score: float
    matched: list[str]


class SearchResult(BaseModel):
    query_words: list[str]
    items: list[SearchHit]
