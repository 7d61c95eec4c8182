"""API models for the live feed: what happened to which case, without personal data."""

from datetime import datetime

from pydantic import BaseModel

# What a hotline wall or a unit queue needs to react to.
FEED_TYPES = frozenset({
    "create", "dispatch", "redispatch", "accept_return", "return", "reject_return", "reroute",
    "sign_overdue", "handle_overdue", "chase", "supervise", "callback_reminder", "callback", "rate",
    "merge", "merged_in", "mark_major", "reply", "direct_answer", "close", "withdraw", "approve_extension",
    "request_extension", "extension_reminder", "extension_lapsed", "replan", "override", "master_replied",
})


class FeedCase(BaseModel):
    id: int
    number: str
    kind: str
    status: str
    category_code: str
    work_order_type: str
    urgency: str
    region_code: str
    lead_unit_id: int | None
    handle_due: datetime | None


class FeedEvent(BaseModel):
    id: int
    type: str
    at: datetime
    actor_role: str | None
    from_status: str | None
    to_status: str | None
    case: FeedCase


class FeedPage(BaseModel):
    items: list[FeedEvent]
    last_id: int
