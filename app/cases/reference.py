"""Names of categories, regions and units for presenting cases, read from the cached routing snapshot.

Every case view names its category, place and units. That reference data is
already loaded and cached for routing (`routing_cache_seconds`), so reads do not
query it again; a unit missing from the snapshot (no longer active) is read
from the database.
"""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.routing import service as routing
from app.routing.rules import Snapshot
from app.units import repository as units_repo


async def snapshot(state: Any, session: AsyncSession) -> Snapshot:
    return await routing.snapshot(state, session)


def category_names(snap: Snapshot, codes: set[str]) -> dict[str, str]:
    return {c: snap.categories[c].name for c in codes if c in snap.categories}


def region_name(snap: Snapshot, code: str) -> str | None:
    region = snap.regions.get(code)
    return region.name if region else None


async def units(snap: Snapshot, session: AsyncSession, ids: set[int]) -> dict[int, Any]:
    """Unit id -> something with id, name, kind and region_code (a UnitRef, or the row if inactive)."""
    found: dict[int, Any] = {i: snap.units_by_id[i] for i in ids if i in snap.units_by_id}
    missing = ids - found.keys()
    if missing:
        found.update(await units_repo.get_many(session, missing))
    return found


async def names_of(state: Any, session: AsyncSession, codes: set[str]) -> dict[str, str]:
    """Category code -> name, for a list of cases."""
    return category_names(await snapshot(state, session), codes)
