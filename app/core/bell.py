"""Wakes waiters in this process (live-feed subscribers, webhook delivery) the moment a change commits.

Subscribers also poll the timeline table on a short interval, so events
written by other processes (a separate worker, other replicas) still arrive.
"""

import asyncio
import contextlib


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
