"""A worker's pass over due rows in batches: each batch locked, handled and committed in its own transaction."""

from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime
from typing import TypeVar

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.context import Ctx
from app.core.state import AppState

T = TypeVar("T")


async def in_batches(state: AppState, lock: Callable[[AsyncSession, datetime, int, int], Awaitable[Sequence[T]]],
                     key: Callable[[T], int], handle: Callable[[Ctx, T], Awaitable[int]], *, batch: int) -> int:
    """Hands every row `lock(session, now, after_id, limit)` finds due at the clock's now to `handle`, in the
    system's context, `batch` rows a transaction, in the order of `key` (an id); returns the sum of what `handle`
    returns (the rows it changed)."""
    now = state.clock.now()
    total, after_id = 0, 0
    while True:
        async with state.sessionmaker() as session:
            rows = await lock(session, now, after_id, batch)
            ctx = Ctx.for_system(state, session, now)
            for row in rows:
                total += await handle(ctx, row)
            await session.commit()
        if len(rows) < batch:
            return total
        after_id = key(rows[-1])
