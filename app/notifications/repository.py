"""Every query of notifications, their deliveries and residents' choices."""

from datetime import datetime

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import Case, Notification, NotificationDelivery, NotificationPrefs, Unit


async def inbox(session: AsyncSession, user_id: int, *, before_id: int | None, unread: bool,
                limit: int) -> list[Notification]:
    """The person's notifications, newest first, in keyset pages."""
    q = select(Notification).where(Notification.user_id == user_id)
    if before_id is not None:
        q = q.where(Notification.id < before_id)  # type: ignore[operator]
    if unread:
        q = q.where(Notification.read_at.is_(None))  # type: ignore[union-attr]
    return list((await session.execute(q.order_by(Notification.id.desc()).limit(limit))).scalars())  # type: ignore[union-attr]


async def after(session: AsyncSession, user_id: int, after_id: int, limit: int) -> list[Notification]:
    q = (select(Notification).where(Notification.user_id == user_id, Notification.id > after_id)  # type: ignore[operator]
         .order_by(Notification.id).limit(limit))
    return list((await session.execute(q)).scalars())


async def last_id(session: AsyncSession, user_id: int) -> int:
    q = select(func.max(Notification.id)).where(Notification.user_id == user_id)
    return (await session.execute(q)).scalar_one() or 0


async def counts(session: AsyncSession, user_id: int) -> tuple[int, int]:
    """(all, unread) of the person's notifications."""
    q = select(func.count(), func.count(Notification.read_at)).where(Notification.user_id == user_id)
    total, read = (await session.execute(q)).one()
    return int(total), int(total) - int(read)


async def get(session: AsyncSession, notification_id: int) -> Notification | None:
    return await session.get(Notification, notification_id)


async def mark_all_read(session: AsyncSession, user_id: int, up_to_id: int | None, now: datetime) -> int:
    q = update(Notification).where(Notification.user_id == user_id,
                                   Notification.read_at.is_(None))  # type: ignore[union-attr]
    if up_to_id is not None:
        q = q.where(Notification.id <= up_to_id)  # type: ignore[operator]
    result = await session.execute(q.values(read_at=now).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0)


async def cases_and_units(session: AsyncSession, notes: list[Notification]) -> tuple[dict[int, Case], dict[int, str]]:
    """The cases the notifications are about, and the names of the units their parameters name."""
    case_ids = {n.case_id for n in notes}
    cases = {c.id: c for c in (await session.execute(select(Case).where(Case.id.in_(case_ids)))).scalars()}  # type: ignore[union-attr]
    unit_ids = {int(n.params["unit_id"]) for n in notes if n.params.get("unit_id") is not None}
    unit_ids |= {c.lead_unit_id for c in cases.values() if c.lead_unit_id is not None}
    names: dict[int, str] = {}
    if unit_ids:
        rows = await session.execute(select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids)))  # type: ignore[union-attr]
        names = {int(i): str(n) for i, n in rows.all()}
    return cases, names  # type: ignore[return-value]


async def prefs(session: AsyncSession, user_id: int) -> NotificationPrefs | None:
    return await session.get(NotificationPrefs, user_id)


async def prefs_of(session: AsyncSession, user_ids: set[int]) -> dict[int, NotificationPrefs]:
    if not user_ids:
        return {}
    q = select(NotificationPrefs).where(NotificationPrefs.user_id.in_(user_ids))  # type: ignore[attr-defined]
    return {p.user_id: p for p in (await session.execute(q)).scalars()}


# --- deliveries -------------------------------------------------------------------------------------------------

async def claim_due(session: AsyncSession, now: datetime, lease_until: datetime,
                    limit: int) -> list[tuple[NotificationDelivery, Notification]]:
    """Pending deliveries due and not leased, leased to the caller at once (SKIP LOCKED on PostgreSQL)."""
    q = (select(NotificationDelivery, Notification)
         .join(Notification, Notification.id == NotificationDelivery.notification_id)
         .where(NotificationDelivery.status == "pending", NotificationDelivery.next_attempt_at <= now,
                or_(NotificationDelivery.leased_until.is_(None),  # type: ignore[union-attr]
                    NotificationDelivery.leased_until < now))  # type: ignore[operator]
         .order_by(NotificationDelivery.id).limit(limit).execution_options(populate_existing=True))
    if session.bind.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True, of=NotificationDelivery)
    rows = [(d, n) for d, n in (await session.execute(q)).all()]
    for d, _ in rows:
        d.leased_until = lease_until
    return rows


async def sent_since(session: AsyncSession, recipient_key: str, channel: str, since: datetime) -> list[datetime]:
    q = select(NotificationDelivery.sent_at).where(NotificationDelivery.recipient_key == recipient_key,
                                                   NotificationDelivery.channel == channel,
                                                   NotificationDelivery.sent_at > since)  # type: ignore[operator]
    return [t for t in (await session.execute(q)).scalars() if t is not None]


async def already_sent(session: AsyncSession, dedup_key: str, channel: str, since: datetime) -> bool:
    """Whether these words went to this person on this channel within the window (a redelivered message that
    was sent keeps its sent_at, so it counts)."""
    q = select(NotificationDelivery.id).where(NotificationDelivery.dedup_key == dedup_key,
                                              NotificationDelivery.channel == channel,
                                              NotificationDelivery.sent_at > since).limit(1)  # type: ignore[operator]
    return (await session.execute(q)).first() is not None


async def settle(session: AsyncSession, delivery_id: int, lease: datetime, **values: object) -> bool:
    """Records an attempt's result while the caller still holds its lease."""
    result = await session.execute(update(NotificationDelivery)
                                   .where(NotificationDelivery.id == delivery_id,
                                          NotificationDelivery.leased_until == lease)
                                   .values(**values).execution_options(synchronize_session=False))
    return int(getattr(result, "rowcount", 0) or 0) == 1


async def dead(session: AsyncSession, after_id: int, limit: int) -> list[tuple[NotificationDelivery, Notification]]:
    q = (select(NotificationDelivery, Notification)
         .join(Notification, Notification.id == NotificationDelivery.notification_id)
         .where(NotificationDelivery.status == "dead", NotificationDelivery.id > after_id)  # type: ignore[operator]
         .order_by(NotificationDelivery.id).limit(limit))
    return [(d, n) for d, n in (await session.execute(q)).all()]


async def delivery(session: AsyncSession, delivery_id: int) -> NotificationDelivery | None:
    return await session.get(NotificationDelivery, delivery_id)


async def deliveries_of(session: AsyncSession, notification_ids: list[int]) -> list[NotificationDelivery]:
    if not notification_ids:
        return []
    q = (select(NotificationDelivery)
         .where(NotificationDelivery.notification_id.in_(notification_ids))  # type: ignore[attr-defined]
         .order_by(NotificationDelivery.id))
    return list((await session.execute(q)).scalars())
