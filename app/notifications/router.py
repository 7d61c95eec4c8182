"""HTTP for the resident's inbox, its live stream and choices, and the administrators' dead letters."""

import json
from collections.abc import AsyncIterator
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from sse_starlette.sse import EventSourceResponse, ServerSentEvent

from app.core.auth import AdminUser, CurrentUser
from app.core.context import Ctx, CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, NotFound
from app.core.pagination import MAX_LIMIT, decode_id_cursor, encode_cursor
from app.notifications import repository, service
from app.notifications import schemas as s

router = APIRouter(tags=["notifications"], route_class=UnitOfWorkRoute)
POLL_SECONDS = 2.0


@router.get("/me/notifications", response_model=s.InboxPage,
            summary="The caller's notifications, newest first, with how many there are and how many are unread")
async def inbox(ctx: CtxDep, cursor: str | None = None, unread: bool = False,
                limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20) -> s.InboxPage:
    return await service.inbox(ctx, decode_id_cursor(cursor), unread, limit)


@router.post("/me/notifications/{notification_id}/read", response_model=s.NotificationRead,
             summary="Mark one of the caller's notifications read")
async def mark_read(notification_id: int, ctx: CtxDep) -> s.NotificationRead:
    note = await service.mark_read(ctx, notification_id)
    return (await service.present(ctx, [note], await service.locale_of(ctx.session, note.user_id or 0)))[0]


@router.post("/me/notifications/read", response_model=s.MarkedRead,
             summary="Mark all the caller's notifications read (up to an id)")
async def mark_all_read(body: s.MarkAllRead, ctx: CtxDep) -> s.MarkedRead:
    return s.MarkedRead(marked=await service.mark_all_read(ctx, body.up_to_id))


@router.get("/me/notification-preferences", response_model=s.PrefsRead,
            summary="The caller's language for messages and the pushed channels they turned off")
async def get_prefs(ctx: CtxDep) -> s.PrefsRead:
    return await service.get_prefs(ctx)


@router.put("/me/notification-preferences", response_model=s.PrefsRead,
            summary="Choose the language of messages; turn SMS (or WeChat) off or on again")
async def set_prefs(body: s.PrefsUpdate, ctx: CtxDep) -> s.PrefsRead:
    return await service.set_prefs(ctx, body)


@router.get("/me/notifications/stream", summary="The caller's notifications as server-sent events",
            description="Each SSE message has `id` (the notification id), `event: notification` and `data` (a "
                        "NotificationRead as JSON). Reconnect with `Last-Event-ID` or `?after=`; without either "
                        "the stream starts from now. Only the caller's own notifications.")
async def stream(request: Request, principal: CurrentUser,
                 after: Annotated[int | None, Query(ge=0)] = None,
                 last_event_id: Annotated[int | None, Header(ge=0)] = None) -> EventSourceResponse:
    if principal.user_id is None:
        raise AppError("forbidden", 403)
    state = request.app.state
    user_id = principal.user_id
    start = last_event_id if last_event_id is not None else after

    async def messages() -> AsyncIterator[ServerSentEvent]:
        high = start
        if high is None:
            async with state.sessionmaker() as session:
                high = await repository.last_id(session, user_id)
        while not await request.is_disconnected():
            async with state.sessionmaker() as session:
                ctx = Ctx(state=state, session=session, principal=principal, now=state.clock.now())
                notes = await repository.after(session, user_id, high, 50)
                items = await service.present(ctx, notes, await service.locale_of(session, user_id))
            for item in items:
                high = max(high, item.id)
                yield ServerSentEvent(id=str(item.id), event="notification",
                                      data=json.dumps(item.model_dump(mode="json"), ensure_ascii=False))
            if len(items) < 50:
                await state.feed_bell.wait(POLL_SECONDS)

    return EventSourceResponse(messages(), ping=15)


@router.get("/admin/notifications/dead", response_model=s.DeliveryPage,
            summary="Messages that could not be sent after every retry (administrators)")
async def dead(ctx: CtxDep, admin: AdminUser, cursor: str | None = None,
               limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> s.DeliveryPage:
    rows = await repository.dead(ctx.session, decode_id_cursor(cursor) or 0, limit + 1)
    more = len(rows) > limit
    rows = rows[:limit]
    items: list[Any] = [service.present_delivery(d, n) for d, n in rows]
    return s.DeliveryPage(items=items, next_cursor=encode_cursor([rows[-1][0].id]) if more and rows else None)


@router.post("/admin/notifications/deliveries/{delivery_id}/redeliver", response_model=s.DeliveryRead,
             summary="Send a dead (or skipped) message again, from its first attempt (administrators)")
async def redeliver(delivery_id: int, ctx: CtxDep, admin: AdminUser) -> s.DeliveryRead:
    return service.present_delivery(await service.redeliver(ctx, delivery_id))


@router.get("/me/notifications/{notification_id}/deliveries", response_model=list[s.DeliveryRead],
            summary="How one of the caller's notifications was sent (status per channel)")
async def deliveries(notification_id: int, ctx: CtxDep) -> list[s.DeliveryRead]:
    note = await repository.get(ctx.session, notification_id)
    if note is None or note.user_id != ctx.principal.user_id:
        raise NotFound("notification_not_found")
    return [service.present_delivery(d, note) for d in await repository.deliveries_of(ctx.session, [notification_id])]
