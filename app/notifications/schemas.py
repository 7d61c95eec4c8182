"""API models for residents' notifications, their choices and the dead letters."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from app.core.schemas import RequestModel

Channel = Literal["sms", "wechat"]


class NotificationRead(BaseModel):
    id: int
    case_id: int
    case_number: str
    template: str = Field(description="what it tells: receipt, replied, rate_invite, materials_requested, ...")
    text: str = Field(description="in the resident's chosen language")
    created_at: datetime
    read_at: datetime | None


class InboxCounts(BaseModel):
    total: int
    unread: int


class InboxPage(BaseModel):
    items: list[NotificationRead]
    next_cursor: str | None = None
    counts: InboxCounts


class MarkAllRead(RequestModel):
    up_to_id: int | None = Field(default=None, ge=1, description="only those up to this id (what the page showed)")


class MarkedRead(BaseModel):
    marked: int


class PrefsRead(BaseModel):
    locale: Literal["zh", "en"]
    opted_out: list[str] = Field(description="pushed channels turned off; the inbox cannot be turned off")


class PrefsUpdate(RequestModel):
    locale: Literal["zh", "en"] | None = None
    opted_out: list[Channel] | None = Field(default=None, max_length=2)


class DeliveryRead(BaseModel):
    id: int
    notification_id: int
    case_id: int | None
    template: str | None
    channel: str
    status: str = Field(description="pending | sent | skipped | dead")
    attempts: int
    phone: str | None = Field(description="masked")
    next_attempt_at: datetime
    deferred: str | None = Field(description="why a pending message waits: quiet_hours | rate_limit")
    sent_at: datetime | None
    provider: str | None
    provider_ref: str | None
    last_error: str | None


class DeliveryPage(BaseModel):
    items: list[DeliveryRead]
    next_cursor: str | None = None
