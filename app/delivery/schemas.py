"""API models of webhooks and the outbox."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class WebhookIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    url: str = Field(min_length=8, max_length=500)
    active: bool = True
    rotate_secret: bool = False


class WebhookRead(BaseModel):
    unit_id: int
    url: str
    active: bool
    secret: str | None = Field(description="only when created or rotated: keep it, it is not shown again")
    updated_at: datetime


class OutboxRead(BaseModel):
    id: int
    event_id: str
    unit_id: int
    case_id: int
    type: str
    status: str
    attempts: int
    next_attempt_at: datetime
    created_at: datetime
    delivered_at: datetime | None
    last_error: str | None
    body: dict


class ApiKeyIn(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)

    name: str = Field(min_length=2, max_length=100)
    kind: Literal["unit", "open311"]
    unit_id: int | None = Field(default=None, ge=1, description="for a unit's system")


class ApiKeyRead(BaseModel):
    id: int
    name: str
    kind: str
    prefix: str
    unit_id: int | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyIssued(ApiKeyRead):
    key: str = Field(description="shown once")
    signing_secret: str | None = Field(description="a unit's system signs its calls with it; shown once")
