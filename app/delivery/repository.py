"""Every query of webhooks, the outbox, API keys and inbound signatures."""

from datetime import datetime

from sqlalchemy import delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from app.models import ApiKey, InboundSignature, OutboxEvent, UnitWebhook


async def webhook(session: AsyncSession, unit_id: int) -> UnitWebhook | None:
    return await session.get(UnitWebhook, unit_id)


async def claim_due(session: AsyncSession, now: datetime, lease_until: datetime, limit: int) -> list[OutboxEvent]:
    """Pending events of units with an active webhook, due and not leased; leased to the caller at once.

    On PostgreSQL the rows are locked with SKIP LOCKED, so several workers take different events."""
    q = (select(OutboxEvent).join(UnitWebhook, (UnitWebhook.unit_id == OutboxEvent.unit_id)
                                  & UnitWebhook.active.is_(True))  # type: ignore[attr-defined]
         .where(OutboxEvent.status == "pending", OutboxEvent.next_attempt_at <= now,
                or_(OutboxEvent.leased_until.is_(None), OutboxEvent.leased_until < now))  # type: ignore[union-attr]
         .order_by(OutboxEvent.id).limit(limit).execution_options(populate_existing=True))
    if session.bind.dialect.name == "postgresql":
        q = q.with_for_update(skip_locked=True, of=OutboxEvent)
    rows = list((await session.execute(q)).scalars())
    for row in rows:
        row.leased_until = lease_until
    return rows


async def park_unhooked(session: AsyncSession) -> int:
    """Events of units without an active webhook wait in their poll feed, out of the delivery queue."""
    hooked = select(UnitWebhook.unit_id).where(UnitWebhook.active.is_(True))  # type: ignore[attr-defined]
    result = await session.execute(update(OutboxEvent).where(OutboxEvent.status == "pending",
                                                             OutboxEvent.unit_id.not_in(hooked))  # type: ignore[attr-defined]
                                   .values(status="poll").execution_options(synchronize_session=False))
    return result.rowcount or 0


async def webhooks_of(session: AsyncSession, unit_ids: set[int]) -> dict[int, UnitWebhook]:
    if not unit_ids:
        return {}
    q = select(UnitWebhook).where(UnitWebhook.unit_id.in_(unit_ids))  # type: ignore[attr-defined]
    return {w.unit_id: w for w in (await session.execute(q)).scalars()}


async def settle(session: AsyncSession, event_id: int, lease: datetime, **values: object) -> bool:
    """Records a delivery's result, only while the caller still holds the lease it took (a worker whose lease
    ran out must not overwrite what the worker after it did)."""
    result = await session.execute(update(OutboxEvent).where(OutboxEvent.id == event_id,
                                                             OutboxEvent.leased_until == lease)
                                   .values(**values).execution_options(synchronize_session=False))
    return result.rowcount == 1


async def requeue_parked(session: AsyncSession, unit_id: int, since: datetime, now: datetime) -> None:
    await session.execute(update(OutboxEvent).where(OutboxEvent.unit_id == unit_id, OutboxEvent.status == "poll",
                                                    OutboxEvent.created_at >= since)
                          .values(status="pending", next_attempt_at=now).execution_options(synchronize_session=False))


async def search(session: AsyncSession, *, unit_id: int | None, status: str | None, after_id: int,
                 limit: int, written_before: datetime | None = None) -> list[OutboxEvent]:
    q = select(OutboxEvent).where(OutboxEvent.id > after_id)  # type: ignore[operator]
    if written_before is not None:
        q = q.where(OutboxEvent.created_at <= written_before)
    if unit_id is not None:
        q = q.where(OutboxEvent.unit_id == unit_id)
    if status:
        q = q.where(OutboxEvent.status == status)
    return list((await session.execute(q.order_by(OutboxEvent.id).limit(limit))).scalars())


async def get(session: AsyncSession, event_id: int) -> OutboxEvent | None:
    return await session.get(OutboxEvent, event_id)


async def key_by_hash(session: AsyncSession, key_hash: str) -> ApiKey | None:
    return (await session.execute(select(ApiKey).where(ApiKey.key_hash == key_hash))).scalar_one_or_none()


async def purge_signatures(session: AsyncSession, older_than: datetime) -> int:
    result = await session.execute(delete(InboundSignature).where(InboundSignature.seen_at < older_than))
    return int(getattr(result, "rowcount", 0) or 0)


async def all_keys(session: AsyncSession) -> list[ApiKey]:
    return list((await session.execute(select(ApiKey).order_by(ApiKey.id))).scalars())
