"""A per-process cache of reference data (calendar, routing snapshot, profiles).

Reference data changes rarely and only through admin endpoints; each process
reloads after a short TTL, and the process that made a change reloads at once.
"""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any


class ReferenceCache:
    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._values: dict[str, tuple[float, Any]] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    async def get(self, name: str, loader: Callable[[], Awaitable[Any]]) -> Any:
        hit = self._values.get(name)
        if hit is not None and time.monotonic() - hit[0] < self.ttl:
            return hit[1]
        lock = self._locks.setdefault(name, asyncio.Lock())
        async with lock:
            hit = self._values.get(name)
            if hit is not None and time.monotonic() - hit[0] < self.ttl:
                return hit[1]
            value = await loader()
            self._values[name] = (time.monotonic(), value)
            return value

    def invalidate(self, *names: str) -> None:
        for name in names or list(self._values):
            self._values.pop(name, None)
