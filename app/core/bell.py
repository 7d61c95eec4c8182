"""Wakes waiters in this process (live-feed subscribers, webhook delivery) the moment a change commits.

Subscribers also poll the timeline table on a short interval, so events
written by other processes (a separate worker, other replicas) still arrive.
"""

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Any


class Bell:
    def __init__(self) -> None:
        self._event = asyncio.Event()

    def ring(self) -> None:
        event, self._event = self._event, asyncio.Event()
        event.set()

    async def wait(self, seconds: float) -> None:
        event = self._event
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await event.wait()


async def passes_forever(one_pass: Callable[[], Awaitable[Any]], wait: Callable[[], Awaitable[Any]], *,
                         log: logging.Logger, name: str) -> None:
    """A background loop: a pass, its report logged (`{name} pass`), then `wait`; a failed pass is logged and the
    loop goes on. Runs until cancelled."""
    while True:
        try:
            report = await one_pass()
            if report:
                log.info(f"{name} pass", extra={"detail": report})
        except asyncio.CancelledError:
            raise
        except Exception:  # noqa: BLE001 - a failed pass must not stop the loop
            log.exception(f"{name} pass failed")
        await wait()
