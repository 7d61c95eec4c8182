"""Background work: the same loop runs inside `serve` and as `python -m app worker`.

The jobs are the packages' sweeps (each a pass in transactions of its own) and their loops (webhook delivery),
as the registry lists them.
"""

import asyncio
import contextlib
import logging

from app.core.state import AppState

log = logging.getLogger("app.worker")


async def run_once(state: AppState) -> dict[str, int]:
    """One pass over every periodic job."""
    report: dict[str, int] = {}
    for sweep in state.plugins.sweeps:
        report.update(await sweep(state))
    return report


async def run_forever(state: AppState, stop_after: int | None = None, *, deliver: bool = False) -> None:
    """The periodic jobs; with `deliver`, the packages' loops (webhook delivery) alongside, on their own pace."""
    loops = [asyncio.create_task(loop(state)) for loop in state.plugins.loops] if deliver else []
    try:
        await _periodic(state, stop_after)
    finally:
        for task in loops:
            task.cancel()
        for task in loops:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _periodic(state: AppState, stop_after: int | None) -> None:
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
