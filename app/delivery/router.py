"""HTTP for webhooks, the outbox (administrators) and a unit's event feed (its staff, as an alternative to
webhooks)."""

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.core.auth import AdminUser, ClockDep, CurrentUser, SessionDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, NotFound
from app.core.pagination import MAX_LIMIT, Page, decode_id_cursor, encode_cursor
from app.core.roles import Role
from app.delivery import keys, repository, service
from app.delivery import schemas as s

router = APIRouter(tags=["delivery"], route_class=UnitOfWorkRoute)


@router.put("/units/{unit_id}/webhook", response_model=s.WebhookRead,
            summary="Set a unit's webhook (administrators); the signing secret is shown once",
            description="Events are POSTed as JSON with `X-CSC-Event-Id`, `X-CSC-Timestamp` and `X-CSC-Signature: "
                        "sha256=HMAC(secret, \"<timestamp>.<body>\")`. Delivery is at least once: de-duplicate by "
                        "the event id. `rotate_secret` issues a new secret.")
async def set_webhook(unit_id: int, body: s.WebhookIn, session: SessionDep, admin: AdminUser,
                      clock: ClockDep) -> s.WebhookRead:
    hook, secret = await service.set_webhook(session, unit_id, body.url, body.active, admin.user_id, clock.now(),
                                             body.rotate_secret)
    return s.WebhookRead(unit_id=unit_id, url=hook.url, active=hook.active, secret=secret, updated_at=hook.updated_at)


@router.get("/units/{unit_id}/webhook", response_model=s.WebhookRead, summary="A unit's webhook (administrators)")
async def get_webhook(unit_id: int, session: SessionDep, admin: AdminUser) -> s.WebhookRead:
    hook = await repository.webhook(session, unit_id)
    if hook is None:
        raise NotFound("webhook_not_found")
    return s.WebhookRead(unit_id=unit_id, url=hook.url, active=hook.active, secret=None, updated_at=hook.updated_at)


@router.get("/units/{unit_id}/events", response_model=Page[s.OutboxRead],
            summary="The unit's events after an id: polling instead of a webhook (the unit's staff)")
async def unit_events(unit_id: int, request: Request, session: SessionDep, principal: CurrentUser, clock: ClockDep,
                      after: Annotated[int, Query(ge=0)] = 0,
                      limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[s.OutboxRead]:
    if principal.role != Role.admin and not (principal.role == Role.unit_staff and principal.unit_id == unit_id):
        raise AppError("forbidden", 403)
    # Ids are taken at insert and rows appear at commit, so a poller reading the newest rows could step past
    # one still committing: the feed shows rows once they are a few seconds old.
    settled = clock.now() - timedelta(seconds=request.app.state.settings.feed_settle_seconds)
    rows = await repository.search(session, unit_id=unit_id, status=None, after_id=after, limit=limit + 1,
                                   written_before=settled)
    # The next page is `after=<next_cursor>`: the last id, plainly, as the poller counts.
    return Page(items=[s.OutboxRead(**service.present(r)) for r in rows[:limit]],
                next_cursor=str(rows[limit - 1].id) if len(rows) > limit else None)


@router.get("/admin/outbox", response_model=Page[s.OutboxRead], summary="The outbox, by unit and status")
async def outbox(session: SessionDep, admin: AdminUser, unit: int | None = None,
                 status: Annotated[str | None, Query(pattern="^(pending|poll|delivered|dead)$")] = None,
                 cursor: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[s.OutboxRead]:
    rows = await repository.search(session, unit_id=unit, status=status, after_id=decode_id_cursor(cursor) or 0,
                                   limit=limit + 1)
    return Page(items=[s.OutboxRead(**service.present(r)) for r in rows[:limit]],
                next_cursor=encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


@router.post("/admin/outbox/{event_id}/redeliver", response_model=s.OutboxRead,
             summary="Send a delivered or dead-lettered event again (administrators)")
async def redeliver(event_id: int, session: SessionDep, admin: AdminUser, clock: ClockDep) -> s.OutboxRead:
    return s.OutboxRead(**service.present(await service.redeliver(session, event_id, admin.user_id, clock.now())))


@router.post("/admin/api-keys", response_model=s.ApiKeyIssued, status_code=201,
             summary="Issue an API key: for a unit's system (signed calls as the unit) or an Open311 app",
             description="The key and, for a unit, the signing secret are answered once. A unit's system sends "
                         "`X-API-Key`, `X-CSC-Timestamp`, an optional `X-CSC-Nonce` and `X-CSC-Signature: "
                         "sha256=HMAC(secret, \"<timestamp>.<METHOD> <path>[?<query>]\\n<nonce>\\n<body>\")`; "
                         "a call more than 5 minutes off, or seen before, is refused.")
async def issue_key(body: s.ApiKeyIn, request: Request, session: SessionDep, admin: AdminUser,
                    clock: ClockDep) -> s.ApiKeyIssued:
    row, key, signing = await keys.issue(session, request.app.state, name=body.name, kind=body.kind,
                                         unit_id=body.unit_id, by=admin.user_id, now=clock.now())
    return s.ApiKeyIssued(**keys.present(row), key=key, signing_secret=signing)


@router.get("/admin/api-keys", response_model=list[s.ApiKeyRead], summary="API keys, by prefix (administrators)")
async def list_keys(session: SessionDep, admin: AdminUser) -> list[s.ApiKeyRead]:
    return [s.ApiKeyRead(**keys.present(r)) for r in await keys.all_keys(session)]


@router.delete("/admin/api-keys/{key_id}", response_model=s.ApiKeyRead, summary="Revoke a key (administrators)")
async def revoke_key(key_id: int, session: SessionDep, admin: AdminUser, clock: ClockDep) -> s.ApiKeyRead:
    return s.ApiKeyRead(**keys.present(await keys.revoke(session, key_id, admin.user_id, clock.now())))
