"""Names of categories, regions and units for presenting cases, read from the cached routing snapshot.

Every case view names its category, place and units. That reference data is
already loaded and cached for routing (`routing_cache_seconds`), so reads do not
query it again; a unit missing from the snapshot (no longer active) is read
from the database.
"""


from sqlalchemy.ext.asyncio import AsyncSession

from app.core.state import AppState
from app.routing import service as routing
from app.routing.rules import Snapshot, UnitRef, english_unit_name
from app.units import repository as units_repo


async def snapshot(state: AppState, session: AsyncSession) -> Snapshot:
    return await routing.snapshot(state, session)


def category_names(snap: Snapshot, codes: set[str], english: bool = False) -> dict[str, str]:
    nodes = [snap.categories[c] for c in codes if c in snap.categories]
    return {n.code: (n.name_en or n.name) if english else n.name for n in nodes}


def region_name(snap: Snapshot, code: str, english: bool = False) -> str | None:
    region = snap.regions.get(code)
    if region is None:
        return None
    return (region.name_en or region.name) if english else region.name


async def units(snap: Snapshot, session: AsyncSession, ids: set[int]) -> dict[int, UnitRef]:
    """Unit id -> its reference with both names (read from the database when no longer active)."""
    found: dict[int, UnitRef] = {i: snap.units_by_id[i] for i in ids if i in snap.units_by_id}
    missing = ids - found.keys()
    if missing:
        for unit_id, row in (await units_repo.get_many(session, missing)).items():
            found[unit_id] = UnitRef(unit_id, row.code, row.name, row.kind, row.region_code,
                                     name_en=english_unit_name(snap.regions, snap.kind_names_en, row))
    return found


async def names_of(state: AppState, session: AsyncSession, codes: set[str], english: bool = False) -> dict[str, str]:
    """Category code -> name in the reader's language, for a list of cases."""
    return category_names(await snapshot(state, session), codes, english)
