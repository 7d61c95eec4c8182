"""The hotline classifier: agents' corrections, a city's labelled history, and the model versions trained on them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, LargeBinary, Text, UniqueConstraint
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonOrNull, JsonType, UTCDateTime


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


class ClassifierExample(SQLModel, table=True):
    """A labelled text of a city's history (imported: the caller's words and the case's final category),
    training data for the classifier's next version. A text appears once; importing it again updates its
    category."""

    __tablename__ = "classifier_examples"
    __table_args__ = (UniqueConstraint("text_sha256", name="uq_classifier_examples_text_sha256"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    text: str = Field(sa_column=Column(Text, nullable=False))
    text_sha256: str = Field(max_length=64)
    category: str = Field(max_length=64)
    source_file: str = Field(max_length=200)
    imported_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    by_user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))


class ClassifierModel(SQLModel, table=True):
    """A version of the classifier: queued by an administrator, trained by the worker, evaluated on the held-out
    texts against the model in force then, and answering calls only once an administrator promotes it."""

    __tablename__ = "classifier_models"
    __table_args__ = (Index("ix_classifier_models_status", "status"), Index("ix_classifier_models_active", "active"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    status: str = Field(max_length=16)  # queued | training | ready | failed
    requested_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    requested_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    started_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    finished_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    error: str | None = Field(default=None, sa_column=Column(Text))
    seconds: float | None = None  # training and evaluation, in the worker
    counts: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
    top1: float | None = None
    top3: float | None = None
    report: dict[str, Any] = Field(default_factory=dict, sa_column=Column(JsonType, nullable=False))
    # The model in force when this one was trained (None: the shipped model), measured on the same held-out texts.
    baseline_id: int | None = Field(default=None, sa_column=Column(BigIntPK))
    baseline: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonOrNull))
    active: bool = False
    promoted_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    promoted_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id")))
    # The model in force when this one was last promoted (None: the shipped model): what a rollback restores.
    previous_id: int | None = Field(default=None, sa_column=Column(BigIntPK))


class ClassifierArtefact(SQLModel, table=True):
    """A trained version's weights (Classifier.dump: a numpy archive, no pickled objects), apart from its
    row so that listing versions never reads them."""

    __tablename__ = "classifier_artefacts"

    model_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("classifier_models.id"), primary_key=True))
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
