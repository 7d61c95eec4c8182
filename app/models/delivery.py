"""Reaching the units' own systems: their webhooks, and the transactional outbox of events for them."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Text
from sqlmodel import Field, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow
from app.models.fields import EncryptedString


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


class ApiKey(SQLModel, table=True):
    """A key for a unit's own system (acting as the unit's service account) or an Open311 app.

    Only a keyed hash of the key is stored; the signing secret a unit's system signs its calls with is
    encrypted at rest. Both are shown once, when issued."""

    __tablename__ = "api_keys"

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    name: str = Field(max_length=100)
    kind: str = Field(max_length=16)  # unit | open311
    prefix: str = Field(max_length=12)  # shown in lists, so a key can be recognised without being revealed
    key_hash: str = Field(sa_column=Column(String(64), nullable=False, unique=True))
    signing_secret: str | None = Field(default=None, sa_column=Column(EncryptedString))
    unit_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("units.id",
                                                                                    name="fk_api_keys_unit")))
    user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                    name="fk_api_keys_user")))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    created_by: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey("users.id",
                                                                                       name="fk_api_keys_creator")))
    revoked_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    last_used_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))


class InboundSignature(SQLModel, table=True):
    """Signatures of inbound calls already accepted, kept past the timestamp tolerance: a replay is refused."""

    __tablename__ = "inbound_signatures"

    signature: str = Field(sa_column=Column(String(80), primary_key=True))
    seen_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False, index=True))
