"""HTTP for the live feed: a JSON poll and a server-sent event stream, both scoped to the caller."""

import json
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from app.core.auth import CurrentUser, SessionDep
from app.core.db import UnitOfWorkRoute
from app.core.pagination import MAX_LIMIT
from app.feed import service
from app.feed.schemas import FEED_TYPES, FeedPage

router = APIRouter(prefix="/feed", tags=["live feed"], route_class=UnitOfWorkRoute)
TYPES_DOC = "Comma-separated event types; default all of: " + ", ".join(sorted(FEED_TYPES))


@router.get("/events", response_model=FeedPage, summary="Timeline events after an id, scoped to the caller")
async def events(session: SessionDep, principal: CurrentUser,
                 after: Annotated[int, Query(ge=0)] = 0,
                 types: Annotated[str | None, Query(description=TYPES_DOC)] = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> FeedPage:
    scope = service.scope_of(principal)
    items = await service.page(session, scope, after, service.parse_types(types), limit)
    return FeedPage(items=items, last_id=items[-1].id if items else after)


@router.get("/stream", summary="Server-sent events as they happen (hotline wall, unit queues)",
            description="Each SSE message has `id` (the timeline event id), `event` (its type) and `data` "
                        "(a FeedEvent as JSON). Reconnect with `Last-Event-ID` or `?after=` to resume; "
                        "without either the stream starts from now. Agents and dispatchers see their district, "
                        "unit staff the cases their unit holds, administrators everything.")
async def stream(request: Request, principal: CurrentUser,
                 after: Annotated[int | None, Query(ge=0)] = None,
                 types: Annotated[str | None, Query(description=TYPES_DOC)] = None,
                 last_event_id: Annotated[int | None, Header(ge=0)] = None) -> EventSourceResponse:
    scope = service.scope_of(principal)
    wanted = service.parse_types(types)
    start = last_event_id if last_event_id is not None else after

    async def messages():
        async for item in service.stream(request.app.state, scope, start, wanted, request.is_disconnected):
            yield ServerSentEvent(id=str(item.id), event=item.type,
                                  data=json.dumps(item.model_dump(mode="json"), ensure_ascii=False))

    return EventSourceResponse(messages(), ping=15)
