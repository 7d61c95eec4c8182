"""A per-process cache of reference data (calendar, routing snapshot, profiles).

Reference data changes rarely and only through admin endpoints; each process
reloads after a short TTL, and the process that made a change reloads at once.
Other processes hear of a change through the database (app/core/shared.py):
`invalidate` publishes the names, and each process's watcher drops them.
"""

import time
from collections.abc import Awaitable, Callable
from typing import Any


class ReferenceCache:
    """Values by name, loaded by the caller's own session and kept for `ttl_seconds`.

    No lock is held while loading: a caller that waited for another caller's load while holding a database
    connection could wait forever on SQLite's single connection (the loader needs the connection the waiter
    holds). Instead, once a value exists, one caller refreshes it when it is stale while the others keep using
    the stale value; only a cold start loads in every caller that arrives before the first load ends.
    """

    def __init__(self, ttl_seconds: float):
        self.ttl = ttl_seconds
        self._values: dict[str, tuple[float, Any]] = {}
        self._refreshing: set[str] = set()
        self._generation = 0  # bumped by every invalidation
        # Tells the other processes (set by app/core/shared.attach); None: this process only.
        self.publisher: Callable[[tuple[str, ...]], None] | None = None

    async def get(self, name: str, loader: Callable[[], Awaitable[Any]]) -> Any:
        hit = self._values.get(name)
        if hit is not None and (time.monotonic() - hit[0] < self.ttl or name in self._refreshing):
            return hit[1]
        generation = self._generation
        self._refreshing.add(name)
        try:
            value = await loader()
        finally:
            self._refreshing.discard(name)
        # A load that began before an invalidation may have read the old data: it answers its caller but is not kept.
        if self._generation == generation:
            self._values[name] = (time.monotonic(), value)
        return value

    def invalidate(self, *names: str, publish: bool = True) -> None:
        if publish and self.publisher is not None:
            self.publisher(names)
        self._generation += 1
        for name in names or list(self._values):
            self._values.pop(name, None)
