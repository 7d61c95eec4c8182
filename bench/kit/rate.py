"""Timed loops on a PostgreSQL pool: `concurrency` tasks repeat one transaction until the time is up."""

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg


async def pool_rate(dsn: str, one: Callable[[Any], Awaitable[None]], *, concurrency: int, seconds: float,
                    hold: bool = False) -> tuple[float, list[float]]:
    """Transactions per second and latencies (ms) of `one`, `concurrency` at once for `seconds`. `one` is given
    the pool, or with `hold` a connection each task acquires once and keeps."""
    pool = await asyncpg.create_pool(dsn, min_size=concurrency, max_size=concurrency)
    latencies: list[float] = []
    stop = time.perf_counter() + seconds

    async def repeat(target: Any) -> None:
        while time.perf_counter() < stop:
            t = time.perf_counter()
            await one(target)
            latencies.append((time.perf_counter() - t) * 1000)

    async def loop() -> None:
        if hold:
            async with pool.acquire() as conn:
                await repeat(conn)
        else:
            await repeat(pool)

    try:
        started = time.perf_counter()
        await asyncio.gather(*(loop() for _ in range(concurrency)))
        elapsed = time.perf_counter() - started
    finally:
        await pool.close()
    return len(latencies) / elapsed, latencies
