"""Scoped reads of the timeline for the live feed. Read-only."""

from collections.abc import AsyncIterator
from typing import Any

from app.cases.search_repository import Scope
from app.core.auth import Principal
from app.core.errors import AppError
from app.core.roles import Role
from app.core.state import AppState
from app.feed import repository
from app.feed.schemas import FEED_TYPES, FeedCase, FeedEvent

SUBSCRIBERS = {Role.agent, Role.dispatcher, Role.unit_staff, Role.admin}
POLL_SECONDS = 2.0
BATCH = 100
# Ids are taken at insert but become visible at commit, so a lower id can appear after a higher one.
# The stream re-reads this many ids behind its high-water mark and skips what it already sent.
LOOKBACK_IDS = 200


def scope_of(principal: Principal) -> Scope:
    if principal.role not in SUBSCRIBERS:
        raise AppError("forbidden", 403)
    return Scope.of(principal)


def parse_types(raw: str | None) -> frozenset[str]:
    if not raw:
        return FEED_TYPES
    asked = frozenset(t for t in raw.split(",") if t)
    unknown = sorted(asked - FEED_TYPES)
    if unknown:
        raise AppError("query_invalid", 422, reason=f"unknown event type {unknown[0]}",
                       field_errors=[{"field": "types", "code": "enum", "message": ", ".join(sorted(FEED_TYPES))}])
    return asked


def present(event: Any, case: Any) -> FeedEvent:
    return FeedEvent(id=event.id, type=event.type, at=event.at, actor_role=event.actor_role,
                     from_status=event.from_status, to_status=event.to_status,
                     case=FeedCase.model_validate(case, from_attributes=True))


async def page(session: Any, scope: Scope, after_id: int, types: frozenset[str], limit: int,
               skip: frozenset[int] = frozenset()) -> list[FeedEvent]:
    rows = await repository.events_after(session, scope, after_id, types, limit, skip)
    return [present(e, c) for e, c in rows]


async def stream(state: AppState, scope: Scope, after_id: int | None, types: frozenset[str],
                 is_disconnected: Any) -> AsyncIterator[FeedEvent]:
    """Events as they commit: woken by this process's bell, polling for other processes' writes."""
    if after_id is None:
        async with state.sessionmaker() as session:
            after_id = await repository.last_event_id(session)
    high, sent = after_id, set[int]()
    while not await is_disconnected():
        low = max(after_id, high - LOOKBACK_IDS)
        sent = {i for i in sent if i > low}
        async with state.sessionmaker() as session:
            batch = await page(session, scope, low, types, BATCH, frozenset(sent))
        for item in batch:
            sent.add(item.id)
            high = max(high, item.id)
            yield item
        if len(batch) < BATCH:
            await state.feed_bell.wait(POLL_SECONDS)
