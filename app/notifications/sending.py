"""The worker's part: pushed messages sent after the commit, never in the request.

Each pass leases the due deliveries, decides in its own transaction which are skipped (opted out, a duplicate,
no mainland mobile), which wait (quiet hours, the per-person rate limit) and which go; sends those with no
transaction open; then records each result (sent, retried with backoff, or a dead letter). At least once: a
worker killed between the send and the record leaves the lease to run out, and the message goes again.
"""

import asyncio
import logging
from collections import Counter
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from app.core.bell import passes_forever
from app.core.security import mask_phone, normalise_mobile
from app.core.state import AppState
from app.delivery.rules import backoff_seconds
from app.models import Notification, NotificationDelivery
from app.notifications import policy, providers, repository, service, templates

log = logging.getLogger("app.notifications")


@dataclass
class Outgoing:
    delivery_id: int
    attempts: int
    recipient: str
    sms: providers.Sms


def _skip(d: NotificationDelivery, why: str, report: Counter[str]) -> None:
    d.status, d.last_error, d.leased_until = "skipped", why, None
    report[f"skipped_{why}"] += 1


def _defer(d: NotificationDelivery, until: datetime, why: str, report: Counter[str]) -> None:
    d.next_attempt_at, d.deferred, d.leased_until = until, why, None
    report[f"deferred_{why}"] += 1


async def _decide(session: Any, state: AppState, rows: list[tuple[NotificationDelivery, Notification]],
                  provider: providers.Provider | None, now: datetime, report: Counter[str]) -> list[Outgoing]:
    catalogue = templates.load(state.settings.seed_dir)
    rules = catalogue.policy
    zone = ZoneInfo(state.settings.timezone)
    prefs = await repository.prefs_of(session, {n.user_id for _, n in rows if n.user_id is not None})
    cases, units = await repository.cases_and_units(session, [n for _, n in rows])
    out: list[Outgoing] = []
    batch_keys: set[str] = set()
    batch_sent: dict[str, list[datetime]] = {}
    for d, n in rows:
        p = prefs.get(n.user_id) if n.user_id is not None else None
        phone = normalise_mobile(d.phone or "")
        if p is not None and d.channel in p.opted_out:
            _skip(d, "opted_out", report)
            continue
        if provider is None:
            _skip(d, "channel_off", report)
            continue
        if phone is None:
            _skip(d, "phone_not_mobile", report)
            continue
        since = now - timedelta(hours=rules.dedup_hours)
        if d.dedup_key in batch_keys or await repository.already_sent(session, d.dedup_key, d.channel, since):
            _skip(d, "duplicate", report)
            continue
        until = policy.quiet_until(now, zone, rules.quiet, d.channel, n.urgent)
        if until is not None:
            _defer(d, until, "quiet_hours", report)
            continue
        window = now - timedelta(minutes=rules.rate_window_minutes)
        sent = await repository.sent_since(session, d.recipient_key, d.channel, window)
        wait = policy.rate_wait(sent + batch_sent.get(d.recipient_key, []), now, rules)
        if wait is not None:
            _defer(d, wait, "rate_limit", report)
            continue
        batch_keys.add(d.dedup_key)
        batch_sent.setdefault(d.recipient_key, []).append(now)
        locale = p.locale if p is not None else "zh"
        vals = service.values(n, cases.get(n.case_id), units, locale)
        sms = providers.Sms(phone=phone, template=n.template,
                            params=templates.ordered_params(catalogue, n.template, vals),
                            text=templates.render(catalogue, n.template, locale, vals))
        d.deferred = None
        out.append(Outgoing(d.id, d.attempts, d.recipient_key, sms))  # type: ignore[arg-type]
    return out


async def _send(provider: providers.Provider, http: httpx.AsyncClient, sms: providers.Sms,
                now: datetime) -> providers.Sent:
    try:
        return await provider.send(http, sms, now)
    except Exception as exc:  # noqa: BLE001 - whatever one send does, the others go on
        return providers.Sent(False, error=f"{type(exc).__name__}: {exc}"[:300])


async def _send_all(provider: providers.Provider, http: httpx.AsyncClient, outgoing: list[Outgoing],
                    now: datetime) -> list[providers.Sent]:
    """Different people at once; one person's messages one after another, in the order they were written (the
    reply before the invitation to rate)."""
    by_person: dict[str, list[int]] = {}
    for i, o in enumerate(outgoing):
        by_person.setdefault(o.recipient, []).append(i)
    results: list[providers.Sent | None] = [None] * len(outgoing)

    async def one_person(indexes: list[int]) -> None:
        for i in indexes:
            results[i] = await _send(provider, http, outgoing[i].sms, now)

    await asyncio.gather(*(one_person(ix) for ix in by_person.values()))
    return [r for r in results if r is not None]


async def send_due(state: AppState, http: httpx.AsyncClient, provider: providers.Provider | None = None,
                   limit: int = 50) -> dict[str, int]:
    """One pass: what is due, decided, sent and recorded. Answers what it did, by name."""
    settings = state.settings
    provider = provider if provider is not None else providers.from_settings(settings)
    rules = templates.load(settings.seed_dir).policy
    now = state.clock.now()
    lease = now + timedelta(seconds=settings.delivery_lease_seconds)
    report: Counter[str] = Counter()
    async with state.sessionmaker() as session:
        rows = await repository.claim_due(session, now, lease, limit)
        outgoing = await _decide(session, state, rows, provider, now, report) if rows else []
        await session.commit()
    if not outgoing or provider is None:
        return dict(report)
    results = await _send_all(provider, http, outgoing, now)
    done = state.clock.now()
    async with state.sessionmaker() as session:
        for o, result in zip(outgoing, results, strict=True):
            tries = o.attempts + 1
            masked = mask_phone(o.sms.phone)
            if result.ok:
                await repository.settle(session, o.delivery_id, lease, status="sent", attempts=tries, sent_at=done,
                                        leased_until=None, provider=provider.name, provider_ref=result.ref,
                                        last_error=None)
                report["sent"] += 1
                log.info("sms sent", extra={"detail": {"to": masked, "template": o.sms.template}})
            elif result.permanent or policy.spent(tries, rules):
                await repository.settle(session, o.delivery_id, lease, status="dead", attempts=tries,
                                        leased_until=None, provider=provider.name, last_error=result.error)
                report["dead"] += 1
                log.warning("sms dead", extra={"detail": {"to": masked, "error": result.error}})
            else:
                wait = backoff_seconds(tries, base=rules.backoff_base_seconds, cap=rules.backoff_cap_seconds)
                await repository.settle(session, o.delivery_id, lease, attempts=tries, leased_until=None,
                                        provider=provider.name, last_error=result.error,
                                        next_attempt_at=done + timedelta(seconds=wait))
                report["retry"] += 1
        await session.commit()
    return dict(report)


async def send_forever(state: AppState) -> None:
    """Sends as events commit (the delivery bell) and every few seconds (other processes' events)."""
    async with httpx.AsyncClient(timeout=state.settings.notify_timeout_seconds) as http:
        await passes_forever(lambda: send_due(state, http),
                             lambda: state.delivery_bell.wait(state.settings.notify_interval_seconds),
                             log=log, name="notification")
