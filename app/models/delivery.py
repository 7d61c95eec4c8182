"""Reaching the units' own systems: their webhooks, and the transactional outbox of events for them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Text
from sqlmodel import Field, SQLModel

from app.core.fields import EncryptedString
from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow


class UnitWebhook(SQLModel, table=True):
    __tablename__ = "unit_webhooks"

    unit_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("units.id", name="fk_unit_webhooks_unit"),
                                          primary_key=True, autoincrement=False))
    url: str = Field(max_length=500)
    secret: str = Field(sa_column=Column(EncryptedString, nullable=False))  # HMAC key, Fernet at rest
    active: bool = True
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class OutboxEvent(SQLModel, table=True):
    """One event for one unit, written in the transaction of the change it reports; delivered at least once."""

    __tablename__ = "outbox"
    __table_args__ = (Index("ix_outbox_due", "status", "next_attempt_at"),
                      Index("ix_outbox_unit", "unit_id", "id"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    event_uid: str = Field(sa_column=Column(String(36), nullable=False, unique=True))  # receivers de-duplicate by it
    unit_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("units.id", name="fk_outbox_unit"), nullable=False))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id", name="fk_outbox_case"), nullable=False))
    type: str = Field(max_length=32)
    body: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    created_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    # pending: to deliver | poll: the unit has no webhook, its feed holds it | delivered | dead
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    leased_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    delivered_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_error: str | None = Field(default=None, sa_column=Column(Text))
