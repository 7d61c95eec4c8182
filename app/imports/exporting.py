"""Exporting the stored reference data: sheets as CSV or a workbook, the boundaries as GeoJSON."""

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from app.imports import formats
from app.imports.checks import World
from app.imports.sheets import BY_NAME, ORDER, write_row
from app.imports.stored import load_world


def tables(world: World, sheets: Sequence[str]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The named sheets, in ORDER, each as (name, header, rows of cell texts)."""
    out = []
    for name in ORDER:
        if name not in sheets or name == "boundaries":
            continue
        sheet = BY_NAME[name]
        rows = [write_row(sheet, values) for values in world.table(name).values()]
        if name in ("regions", "unit_kinds", "units", "categories", "deadline_profiles", "profile_assignments",
                    "knowledge_articles", "service_items"):
            rows.sort(key=lambda r: r[0])
        out.append((name, list(sheet.names), rows))
    return out


def geojson(world: World) -> bytes:
    features = [{"type": "Feature", "properties": {"code": code, "name": (world.regions.get(code) or {}).get("name"),
                                                   "source": b["source"], "synthetic": b["synthetic"]},
                 "geometry": b["geometry"]} for code, b in sorted(world.boundaries.items())]
    return formats.write_geojson(features)


async def export(session: AsyncSession, sheets: Sequence[str], fmt: str) -> bytes:
    """One CSV (one sheet), a workbook (any sheets) or the boundaries as GeoJSON."""
    world = await load_world(session)
    if fmt == "geojson":
        return geojson(world)
    found = tables(world, sheets)
    if fmt == "csv":
        _name, header, rows = found[0]
        return formats.write_csv(header, rows)
    return formats.write_xlsx(found)
