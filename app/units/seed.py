"""Loads unit kinds (seed/unit_kinds.yaml) and the units every region gets from the templates in
seed/units.yaml. On an upgrade, units a release adds are created and existing ones left as administrators keep
them."""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun, read_yaml
from app.models import Region, Unit, UnitKind


async def _unit_kinds(session: AsyncSession, run: SeedRun) -> int:
    existing = {k.code: k for k in (await session.execute(select(UnitKind))).scalars()}
    changed = 0
    for item in read_yaml(run.seed_dir / "unit_kinds.yaml"):
        kind = existing.get(item["code"])
        if kind is None:
            session.add(UnitKind(**item))
            changed += 1
        elif (kind.name, kind.name_en, kind.level) != (item["name"], item["name_en"], item["level"]):
            kind.name, kind.name_en, kind.level = item["name"], item["name_en"], item["level"]
            changed += 1
    await session.flush()
    return changed


def _names(region: Region, regions: dict[str, Region]) -> dict[str, str]:
    district = regions[region.code[:6] + "000000"]
    return {"region": region.name, "short": region.name.removesuffix("街道"),
            "district": district.name, "dshort": district.name.removesuffix("区")}


async def _units(session: AsyncSession, run: SeedRun) -> int:
    regions = {r.code: r for r in (await session.execute(select(Region))).scalars()}
    units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
    templates = read_yaml(run.seed_dir / "units.yaml")
    changed = 0

    def lookup(kind: str, region: Region) -> Unit | None:
        for code in (region.code, region.code[:9] + "000", region.code[:6] + "000000"):
            found = units.get(f"{code}-{kind}")
            if found is not None:
                return found
        return None

    for level in ("district", "subdistrict", "community"):
        for region in sorted((r for r in regions.values() if r.level == level and not r.statistical),
                             key=lambda r: r.code):
            for tpl in templates[level]:
                code = f"{region.code}-{tpl['kind']}"
                parent = lookup(tpl["parent"], region) if tpl.get("parent") else None
                values = {"name": tpl["name"].format(**_names(region, regions)), "kind": tpl["kind"],
                          "region_code": region.code, "parent_id": parent.id if parent else None,
                          "phone": tpl.get("phone")}
                unit = units.get(code)
                if unit is None:
                    unit = Unit(code=code, **values)
                    session.add(unit)
                    await session.flush()  # ids are needed by children
                    units[code] = unit
                    changed += 1
                elif not run.upgrade and any(getattr(unit, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(unit, k, v)
                    changed += 1
    await session.flush()
    return changed


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    return {"unit_kinds": await _unit_kinds(session, run), "units": await _units(session, run)}
