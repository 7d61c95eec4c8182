"""The outbox and webhook delivery. Writing never commits (it rides on the change's transaction); delivery
runs in the worker, each batch in transactions of its own, and holds no transaction open over HTTP.

Delivery is at least once: an event is leased, posted, then settled. A
worker killed between the post and the settle leaves the lease to expire,
and the event goes again; receivers de-duplicate by `X-CSC-Event-Id`.
"""

import asyncio
import json
import secrets
import uuid
from datetime import timedelta
from typing import Any
from urllib.parse import urlparse

import httpx

from app.core import audit
from app.core.bell import passes_forever
from app.core.context import Ctx
from app.core.db import after_commit
from app.core.errors import AppError, NotFound
from app.core.rows import new_row
from app.core.security import mask_phone
from app.core.staged import stage
from app.core.state import AppState
from app.delivery import repository, rules
from app.models import Case, OutboxEvent, UnitWebhook

SUMMARY_FIELDS = ("id", "number", "kind", "channel", "category_code", "work_order_type", "urgency", "status", "stage",
                  "title", "description", "region_code", "address", "lead_unit_id")


def case_summary(case: Case) -> dict[str, Any]:
    """What a unit's system needs to start work; the caller's phone masked (full numbers stay behind the API)."""
    out: dict[str, Any] = {k: getattr(case, k) for k in SUMMARY_FIELDS}
    hidden = case.anonymous or case.hide_contact
    out["requester"] = {"name": None if hidden else case.caller_name, "phone": mask_phone(case.caller_phone)}
    for k in ("sign_due", "handle_due", "callback_due", "created_at"):
        value = getattr(case, k)
        out[k] = value.isoformat() if value else None
    return out


def enqueue(ctx: Ctx, case: Case, event_type: str, data: dict[str, Any]) -> None:
    """Called for every timeline event, in its transaction: one outbox row per unit that must hear of it."""
    targets = rules.recipients(event_type, data, case.lead_unit_id)
    if not targets:
        return
    shown = {k: v for k, v in data.items() if k != "trace"}
    summary = case_summary(case)
    for unit_id, why in targets:
        uid = str(uuid.uuid4())
        gone = why in ("previous_lead", "dropped")  # a unit the case left hears that, and nothing of the case
        about = summary if not gone else {k: summary[k] for k in ("id", "number", "status")}
        body = {"event_id": uid, "type": event_type, "occurred_at": ctx.now.isoformat(), "unit_id": unit_id,
                "as": why, "case": about, "data": shown if not gone else {}}
        stage(ctx.session, new_row(OutboxEvent, event_uid=uid, unit_id=unit_id, case_id=case.id, type=event_type,
                                    body=body, created_at=ctx.now, status="pending", next_attempt_at=ctx.now))
    wakeup = getattr(ctx.state, "delivery_bell", None)
    if wakeup is not None:  # deliver within seconds of the commit, not at the next poll
        after_commit(ctx.session, "delivery", wakeup.ring)




# --- delivery --------------------------------------------------------------------------------------------------

async def _post(http: httpx.AsyncClient, url: str, secret: str, body: dict[str, Any], uid: str,
                timestamp: int) -> str | None:
    """None when the unit took it (2xx), else what went wrong."""
    raw = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
    headers = {"Content-Type": "application/json", rules.EVENT_HEADER: uid, rules.TIMESTAMP_HEADER: str(timestamp),
               rules.SIGNATURE_HEADER: rules.sign(secret, timestamp, raw)}
    try:
        response = await http.post(url, content=raw, headers=headers)
    except Exception as exc:  # noqa: BLE001 - whatever one unit's endpoint does, the others' events go on
        return f"{type(exc).__name__}: {exc}"[:500]
    return None if 200 <= response.status_code < 300 else f"HTTP {response.status_code}: {response.text[:200]}"


async def deliver_due(state: AppState, http: httpx.AsyncClient, limit: int = 50) -> dict[str, int]:
    settings = state.settings
    now = state.clock.now()
    async with state.sessionmaker() as session:
        await repository.park_unhooked(session)
        lease = now + timedelta(seconds=settings.delivery_lease_seconds)
        rows = await repository.claim_due(session, now, lease, limit)
        hooks = await repository.webhooks_of(session, {r.unit_id for r in rows})
        batch = [(r.id, r.event_uid, r.attempts, r.body, hooks[r.unit_id].url, hooks[r.unit_id].secret) for r in rows]
        await session.commit()
    if not batch:
        return {}
    errors = await asyncio.gather(*(_post(http, url, secret, body, uid, int(now.timestamp()))
                                    for _, uid, _, body, url, secret in batch))
    report = {"delivered": 0, "retry": 0, "dead": 0}
    done = state.clock.now()
    async with state.sessionmaker() as session:
        for (event_id, _, attempts, *_), error in zip(batch, errors, strict=True):
            tries = attempts + 1
            if error is None:
                await repository.settle(session, event_id, lease, status="delivered", attempts=tries,
                                        delivered_at=done, leased_until=None, last_error=None)
                report["delivered"] += 1
            elif tries >= settings.delivery_max_attempts:
                await repository.settle(session, event_id, lease, status="dead", attempts=tries,
                                        leased_until=None, last_error=error)
                report["dead"] += 1
            else:
                wait = rules.backoff_seconds(tries, base=settings.delivery_backoff_base_seconds,
                                             cap=settings.delivery_backoff_cap_seconds)
                await repository.settle(session, event_id, lease, attempts=tries, leased_until=None,
                                        last_error=error, next_attempt_at=done + timedelta(seconds=wait))
                report["retry"] += 1
        await session.commit()
    return report


async def deliver_forever(state: AppState) -> None:
    """Delivers as changes commit (the bell) and every few seconds (events written by other processes)."""
    import logging

    async def wait() -> None:
        bell = getattr(state, "delivery_bell", None)
        if bell is not None:
            await bell.wait(state.settings.delivery_interval_seconds)
        else:
            await asyncio.sleep(state.settings.delivery_interval_seconds)

    async with httpx.AsyncClient(timeout=state.settings.delivery_timeout_seconds) as http:
        await passes_forever(lambda: deliver_due(state, http), wait, log=logging.getLogger("app.delivery"),
                             name="delivery")


# --- administration --------------------------------------------------------------------------------------------

def check_url(url: str) -> str:
    try:
        parsed = urlparse(url)
        port = parsed.port  # raises on a port out of range
        httpx.URL(url)
    except (ValueError, httpx.InvalidURL) as exc:
        raise AppError("webhook_url_invalid", 422,
                       field_errors=[{"field": "url", "code": "webhook_url_invalid"}]) from exc
    if parsed.scheme not in ("http", "https") or not parsed.hostname or port == 0:
        raise AppError("webhook_url_invalid", 422, field_errors=[{"field": "url", "code": "webhook_url_invalid"}])
    return url


async def set_webhook(session: Any, unit_id: int, url: str, active: bool, by: int, now: Any,
                      rotate: bool) -> tuple[UnitWebhook, str | None]:
    """Creates or changes a unit's webhook; a new secret is answered once, when created or rotated."""
    from app.units import repository as units_repo

    if await units_repo.get(session, unit_id) is None:
        raise NotFound("unit_not_found")
    hook = await repository.webhook(session, unit_id)
    secret = None
    if hook is None:
        secret = secrets.token_urlsafe(32)
        hook = UnitWebhook(unit_id=unit_id, url=check_url(url), secret=secret, active=active, created_at=now,
                           updated_at=now)
        session.add(hook)
    else:
        hook.url, hook.active, hook.updated_at = check_url(url), active, now
        if rotate:
            secret = secrets.token_urlsafe(32)
            hook.secret = secret
    if active:
        await repository.requeue_parked(session, unit_id, now - timedelta(days=7), now)
    audit.record(session, at=now, action="unit_webhook.set", actor_user_id=by, target_type="unit", target_id=unit_id,
                 detail={"url": url, "active": active, "rotated": secret is not None})
    return hook, secret


async def redeliver(session: Any, event_id: int, by: int, now: Any) -> OutboxEvent:
    row = await repository.get(session, event_id)
    if row is None:
        raise NotFound("outbox_event_not_found")
    if row.status == "pending":
        raise AppError("outbox_event_pending", 409)
    row.status, row.attempts, row.next_attempt_at, row.leased_until = "pending", 0, now, None
    audit.record(session, at=now, action="outbox.redeliver", actor_user_id=by, target_type="outbox",
                 target_id=event_id)
    return row


def present(row: OutboxEvent) -> dict[str, Any]:
    return {"id": row.id, "event_id": row.event_uid, "unit_id": row.unit_id, "case_id": row.case_id,
            "type": row.type, "status": row.status, "attempts": row.attempts,
            "next_attempt_at": row.next_attempt_at.isoformat(), "created_at": row.created_at.isoformat(),
            "delivered_at": row.delivered_at.isoformat() if row.delivered_at else None,
            "last_error": row.last_error, "body": row.body}
