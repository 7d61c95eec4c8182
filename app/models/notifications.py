"""Notifications to residents: the inbox row (written with the case event), its deliveries to pushed channels
(SMS, a gateway), and each resident's choices."""

from datetime import datetime
from typing import Any

from sqlalchemy import Column, ForeignKey, Index, String, Text
from sqlmodel import Field, Relationship, SQLModel

from app.models.base import BigIntPK, JsonType, UTCDateTime, utcnow
from app.models.fields import EncryptedString


class Notification(SQLModel, table=True):
    """One message for one person about one case, written in the transaction of the event it tells of.

    Its words are rendered from the template when read (the inbox) or sent (SMS), in the person's language."""

    __tablename__ = "notifications"
    __table_args__ = (Index("ix_notifications_user", "user_id", "id"),)

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    # The resident's account (the inbox); None for a caller known only by phone (SMS only).
    user_id: int | None = Field(default=None, sa_column=Column(BigIntPK, ForeignKey(
        "users.id", name="fk_notifications_user")))
    case_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("cases.id", name="fk_notifications_case"),
                                          nullable=False))
    template: str = Field(max_length=48)
    params: dict[str, Any] = Field(sa_column=Column(JsonType, nullable=False))
    urgent: bool = False  # a critical case: quiet hours do not hold it back
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
    read_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))

    deliveries: list["NotificationDelivery"] = Relationship(sa_relationship_kwargs={"lazy": "raise"})


class NotificationDelivery(SQLModel, table=True):
    """A notification pushed through one channel: sent by the worker, retried, deferred, or dead."""

    __tablename__ = "notification_deliveries"
    __table_args__ = (Index("ix_notification_deliveries_due", "status", "next_attempt_at"),
                      Index("ix_notification_deliveries_recipient", "recipient_key", "channel", "sent_at"),
                      Index("ix_notification_deliveries_dedup", "dedup_key", "channel", "status"),
                      Index("ix_notification_deliveries_notification", "notification_id"))

    id: int | None = Field(default=None, sa_column=Column(BigIntPK, primary_key=True, autoincrement=True))
    notification_id: int = Field(sa_column=Column(BigIntPK, ForeignKey(
        "notifications.id", name="fk_notification_deliveries_notification"), nullable=False))
    channel: str = Field(max_length=16)  # sms | webhook | wechat
    # Who receives it, as a keyed hash ("u:<user id>" or the phone's lookup hash): rate limits and dedup.
    recipient_key: str = Field(sa_column=Column(String(80), nullable=False))
    # The same message to the same person: a hash of recipient, template, case and parameters.
    dedup_key: str = Field(sa_column=Column(String(64), nullable=False))
    phone: str | None = Field(default=None, sa_column=Column(EncryptedString))  # Fernet at rest
    # pending | sent | skipped (opted out, a duplicate, no number) | dead
    status: str = Field(default="pending", max_length=16)
    attempts: int = 0
    next_attempt_at: datetime = Field(sa_column=Column(UTCDateTime, nullable=False))
    leased_until: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    deferred: str | None = Field(default=None, max_length=16)  # why it waits: quiet_hours | rate_limit
    sent_at: datetime | None = Field(default=None, sa_column=Column(UTCDateTime))
    provider: str | None = Field(default=None, max_length=16)
    provider_ref: str | None = Field(default=None, max_length=100)  # the provider's message id
    last_error: str | None = Field(default=None, sa_column=Column(Text))
    created_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))


class NotificationPrefs(SQLModel, table=True):
    """A resident's language and the pushed channels they have turned off (the inbox cannot be turned off)."""

    __tablename__ = "notification_prefs"

    user_id: int = Field(sa_column=Column(BigIntPK, ForeignKey("users.id", name="fk_notification_prefs_user"),
                                          primary_key=True, autoincrement=False))
    locale: str = Field(default="zh", max_length=5)
    opted_out: list[str] = Field(default_factory=list, sa_column=Column(JsonType, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_column=Column(UTCDateTime, nullable=False))
