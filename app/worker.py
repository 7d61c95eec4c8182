"""Background work: the same loop runs inside `serve` and as `python -m app worker`."""

import asyncio
import contextlib
import logging
from typing import Any

import app.affairs.kind  # noqa: F401  (registers the affair kind the sweep hands cases to)
import app.aid.kind  # noqa: F401  (the sweep accepts by rule and ends notices)
import app.delivery.service  # noqa: F401  (the outbox listens to timeline events)
import app.eldercare.kind  # noqa: F401
import app.mediation.kind  # noqa: F401  (the sweep reminds before the confirmation window closes)
from app.core.idempotency import purge_expired_keys
from app.delivery.keys import purge_signatures
from app.supervision.service import expire_stages, sweep

log = logging.getLogger("app.worker")


async def run_once(state: Any) -> dict[str, int]:
    """One pass over every periodic job, each in its own transaction."""
    now = state.clock.now()
    report: dict[str, int] = {}
    async with state.sessionmaker() as session:
        report["idempotency_keys_purged"] = await purge_expired_keys(session, now)
        report["inbound_signatures_purged"] = await purge_signatures(
            session, now, state.settings.inbound_signature_tolerance_seconds)
        await session.commit()
    for mark, count in (await sweep(state)).items():
        report[f"marked_{mark}"] = count
    report["stages_expired"] = await expire_stages(state)
    return report


async def run_forever(state: Any, stop_after: int | None = None, *, deliver: bool = False) -> None:
    """The periodic jobs; with `deliver`, webhook delivery alongside, on its own quicker loop."""
    from app.delivery.service import deliver_forever

    delivery = asyncio.create_task(deliver_forever(state)) if deliver else None
    try:
        await _periodic(state, stop_after)
    finally:
        if delivery is not None:
            delivery.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await delivery


async def _periodic(state: Any, stop_after: int | None) -> None:
    passes = 0
    while stop_after is None or passes < stop_after:
        try:
            report = await run_once(state)
            if any(report.values()):
                log.info("worker pass", extra={"detail": report})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed pass must not stop the loop
            log.exception("worker pass failed")
        passes += 1
        await asyncio.sleep(state.settings.worker_interval_seconds)
