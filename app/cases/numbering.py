"""Case numbers, `{district}-{YYYYMMDD}-{seq:06d}`: unique and readable, without serialising intake.

On PostgreSQL each process reserves numbers for a district and day in blocks (`case_number_block`), each block in a
short transaction of its own, and hands them out from memory: no request holds the district's counter row for its
own transaction, so intakes of one district no longer queue behind each other's commits. Numbers stay unique (the
counter only grows, and the column is unique); within a process they rise, across processes they interleave by
block. Gaps appear (a request that fails after taking its number, a block a stopping process did not finish).
Gaps are acceptable: no rule in DOMAIN.md or its sources asks for gap-free case numbers (they identify a case;
nothing counts cases by them). Were one found, SQLite's path below (in the request's transaction) is gap-free.

On SQLite, where writers are serialised anyway, the number is drawn in the request's own transaction: no gaps.
"""

import asyncio
import weakref
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from app.cases import repository
from app.core.context import Ctx
from app.core.db import dialect_of


@dataclass
class Blocks:
    """One process's reserved numbers: (district, day) -> (next to hand out, last reserved)."""

    size: int
    ranges: dict[tuple[str, str], tuple[int, int]] = field(default_factory=dict)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def take_reserved(self, key: tuple[str, str]) -> int | None:
        low, high = self.ranges.get(key, (1, 0))
        if low > high:
            return None
        self.ranges[key] = (low + 1, high)
        return low

    def reserved(self, key: tuple[str, str], last: int) -> None:
        for old in [k for k in self.ranges if k[1] != key[1]]:  # yesterday's blocks are spent for good
            del self.ranges[old]
        self.ranges[key] = (last - self.size + 1, last)


_blocks: "weakref.WeakKeyDictionary[object, Blocks]" = weakref.WeakKeyDictionary()


async def _pooled(ctx: Ctx, district: str, day: str) -> int:
    engine = ctx.state.engine
    blocks = _blocks.get(engine.sync_engine)
    if blocks is None:
        blocks = _blocks[engine.sync_engine] = Blocks(max(1, ctx.state.settings.case_number_block))
    key = (district, day)
    if (seq := blocks.take_reserved(key)) is not None:
        return seq
    async with blocks.lock:  # one reservation in flight per process; the others take from what it brings
        if (seq := blocks.take_reserved(key)) is None:
            blocks.reserved(key, await repository.reserve_numbers(engine, district, day, blocks.size))
            seq = blocks.take_reserved(key)
    assert seq is not None
    return seq


async def case_number(ctx: Ctx, district: str) -> str:
    day = ctx.now.astimezone(ZoneInfo(ctx.state.settings.timezone)).strftime("%Y%m%d")
    if dialect_of(ctx.session) == "postgresql":
        seq = await _pooled(ctx, district, day)
    else:
        seq = await repository.next_number(ctx.session, district, day)
    return f"{district}-{day}-{seq:06d}"
