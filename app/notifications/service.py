"""Notifications written with the case events that matter to the resident, the inbox, residents' choices and
the dead letters. Never commits: the listener rides on the event's transaction."""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from app.core import audit
from app.core.context import Ctx
from app.core.db import after_commit
from app.core.errors import AppError, NotFound
from app.core.pagination import encode_cursor
from app.core.rows import new_row
from app.core.security import lookup_hash, mask_phone
from app.core.staged import stage
from app.models import Case, Notification, NotificationDelivery, NotificationPrefs
from app.notifications import repository, templates
from app.notifications import schemas as s

RECEIPTS = "notify_receipts"  # session.info: this transaction's receipts, completed by the dispatch that follows


def _local_date(value: datetime | str | None, zone: ZoneInfo) -> str | None:
    if value is None:
        return None
    at = datetime.fromisoformat(value) if isinstance(value, str) else value
    return at.astimezone(zone).date().isoformat()


def _name(entry: Any, names: dict[str, str]) -> str:
    """A material as the resident knows it: by name; an entry may be a code, a name, or a record of either."""
    if isinstance(entry, dict):
        code = entry.get("material_code") or entry.get("code") or ""
        return str(entry.get("name") or names.get(code) or entry.get("detail") or code)
    return names.get(str(entry), str(entry))


def _missing(case: Case, data: dict[str, Any]) -> str | None:
    names = {m["code"]: m["name"] for m in (case.payload.get("item") or {}).get("materials", [])}
    entries = data.get("missing") or data.get("items")
    if not isinstance(entries, list) or not entries:
        return None
    return "、".join(_name(e, names) for e in entries)


def params_for(ctx: Ctx, case: Case, data: dict[str, Any]) -> dict[str, Any]:
    """What the templates may say, taken from the case and the event: never a phone or an ID number."""
    zone = ctx.zone
    base = ctx.state.settings.notify_public_url.rstrip("/")
    out: dict[str, Any] = {"number": case.number, "unit_id": case.lead_unit_id,
                           "due_date": _local_date(case.handle_due, zone),
                           "rate_link": base + ctx.state.settings.notify_case_path.format(case_id=case.id),
                           "missing": _missing(case, data),
                           "supplement_due": _local_date(data.get("supplement_due"), zone),
                           "item": (case.payload.get("item") or {}).get("name")}
    return {k: v for k, v in out.items() if v is not None}


def on_event(ctx: Ctx, case: Case, event_type: str, data: dict[str, Any]) -> None:
    """Called for every timeline event, in its transaction: the notifications it sends to the case's resident."""
    receipts: dict[int, Notification] = ctx.session.info.setdefault(RECEIPTS, {})
    if event_type == "dispatch" and case.id in receipts:  # the receipt names the unit and the promised date
        note = receipts.pop(case.id)
        note.params = {**note.params, **{k: v for k, v in params_for(ctx, case, data).items()
                                         if k in ("unit_id", "due_date")}}
    if case.anonymous or (case.requester_user_id is None and not case.caller_phone):
        return
    if ctx.principal.user_id is not None and ctx.principal.user_id == case.requester_user_id \
            and event_type != "create":
        return  # the resident's own doing (a rating, a supplement) needs no message to them
    catalogue = templates.load(ctx.state.settings.seed_dir)
    names = catalogue.for_event(event_type, data)
    if not names:
        return
    params = params_for(ctx, case, data)
    quiet = catalogue.policy.quiet
    urgent = quiet is not None and case.urgency in quiet.except_urgency
    sms = ctx.state.settings.notify_sms_provider != "none" and case.caller_phone is not None
    recipient = (f"u:{case.requester_user_id}" if case.requester_user_id is not None
                 else "p:" + lookup_hash(ctx.state.keys.lookup_key, case.caller_phone or ""))
    for name in names:
        note = new_row(Notification, user_id=case.requester_user_id, case_id=case.id, template=name,
                            params=dict(params), urgent=urgent, created_at=ctx.now)
        note.deliveries = []
        if sms:
            key = templates.dedup_key(recipient, name, case.id, params)  # type: ignore[arg-type]
            note.deliveries.append(new_row(NotificationDelivery, channel="sms", recipient_key=recipient, dedup_key=key,
                                                        phone=case.caller_phone, next_attempt_at=ctx.now,
                                                        created_at=ctx.now))
        stage(ctx.session, note)  # its deliveries with it
        if name == "receipt" and event_type == "create":
            receipts[case.id] = note  # type: ignore[index]
    if sms:
        after_commit(ctx.session, "delivery", ctx.state.delivery_bell.ring)


# --- the inbox --------------------------------------------------------------------------------------------------

def values(note: Notification, case: Case | None, units: dict[int, str], locale: str) -> dict[str, Any]:
    """The template's values: the parameters frozen with the event, and the unit's name as it is now."""
    out = dict(note.params)
    unit_id = out.get("unit_id") or (case.lead_unit_id if case else None)
    out["unit"] = units.get(int(unit_id)) if unit_id is not None else None
    if out["unit"] is None:
        out["unit"] = "承办单位" if locale == "zh" else "the handling unit"
    return out


def words(catalogue: templates.Catalogue, note: Notification, case: Case | None, units: dict[int, str],
          locale: str) -> str:
    return templates.render(catalogue, note.template, locale, values(note, case, units, locale))


async def locale_of(session: Any, user_id: int) -> str:
    p = await repository.prefs(session, user_id)
    return p.locale if p else "zh"


async def present(ctx: Ctx, notes: list[Notification], locale: str) -> list[s.NotificationRead]:
    catalogue = templates.load(ctx.state.settings.seed_dir)
    cases, units = await repository.cases_and_units(ctx.session, notes)
    return [s.NotificationRead(id=n.id, case_id=n.case_id, case_number=str(n.params.get("number", "")),  # type: ignore[arg-type]
                               template=n.template, text=words(catalogue, n, cases.get(n.case_id), units, locale),
                               created_at=n.created_at, read_at=n.read_at)
            for n in notes]


async def inbox(ctx: Ctx, before_id: int | None, unread: bool, limit: int) -> s.InboxPage:
    user_id = _me(ctx)
    notes = await repository.inbox(ctx.session, user_id, before_id=before_id, unread=unread, limit=limit + 1)
    more = len(notes) > limit
    notes = notes[:limit]
    total, unread_count = await repository.counts(ctx.session, user_id)
    items = await present(ctx, notes, await locale_of(ctx.session, user_id))
    return s.InboxPage(items=items, next_cursor=encode_cursor([notes[-1].id]) if more and notes else None,
                       counts=s.InboxCounts(total=total, unread=unread_count))


def _me(ctx: Ctx) -> int:
    if ctx.principal.user_id is None:
        raise AppError("forbidden", 403)
    return ctx.principal.user_id


async def mark_read(ctx: Ctx, notification_id: int) -> Notification:
    note = await repository.get(ctx.session, notification_id)
    if note is None or note.user_id != _me(ctx):
        raise NotFound("notification_not_found")
    if note.read_at is None:
        note.read_at = ctx.now
    return note


async def mark_all_read(ctx: Ctx, up_to_id: int | None) -> int:
    return await repository.mark_all_read(ctx.session, _me(ctx), up_to_id, ctx.now)


async def get_prefs(ctx: Ctx) -> s.PrefsRead:
    p = await repository.prefs(ctx.session, _me(ctx))
    return s.PrefsRead(locale=p.locale if p else "zh", opted_out=sorted(p.opted_out) if p else [])


async def set_prefs(ctx: Ctx, body: s.PrefsUpdate) -> s.PrefsRead:
    user_id = _me(ctx)
    p = await repository.prefs(ctx.session, user_id)
    if p is None:
        p = NotificationPrefs(user_id=user_id, updated_at=ctx.now)
        ctx.session.add(p)
    if body.locale is not None:
        p.locale = body.locale
    if body.opted_out is not None:
        p.opted_out = sorted(set(body.opted_out))
    p.updated_at = ctx.now
    return s.PrefsRead(locale=p.locale, opted_out=list(p.opted_out))


# --- dead letters -----------------------------------------------------------------------------------------------

def present_delivery(d: NotificationDelivery, note: Notification | None = None) -> s.DeliveryRead:
    return s.DeliveryRead(id=d.id, notification_id=d.notification_id, channel=d.channel,  # type: ignore[arg-type]
                          status=d.status, attempts=d.attempts, phone=mask_phone(d.phone),
                          next_attempt_at=d.next_attempt_at, deferred=d.deferred, sent_at=d.sent_at,
                          provider=d.provider, provider_ref=d.provider_ref, last_error=d.last_error,
                          template=note.template if note else None,
                          case_id=note.case_id if note else None)


async def redeliver(ctx: Ctx, delivery_id: int) -> NotificationDelivery:
    d = await repository.delivery(ctx.session, delivery_id)
    if d is None:
        raise NotFound("notification_delivery_not_found")
    if d.status == "pending":
        raise AppError("notification_delivery_pending", 409)
    d.status, d.attempts, d.next_attempt_at, d.leased_until, d.deferred = "pending", 0, ctx.now, None, None
    audit.record(ctx.session, at=ctx.now, action="notification.redeliver", actor_user_id=ctx.principal.user_id,
                 target_type="notification_delivery", target_id=delivery_id)
    after_commit(ctx.session, "delivery", ctx.state.delivery_bell.ring)
    return d
