"""Loads the deadline profiles (seed/deadline_profiles.yaml) and calendar year files (seed/calendars/*.yaml).

Profiles are owned by the seed: a changed spec in the file replaces the stored one, on every serve too (a
release may add fields the code reads). Year files are loaded once; a year already in the database stays as an
administrator loaded it.
"""

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.deadlines import Profile
from app.calendar.repository import load_year_file
from app.core.seeds import SeedRun, read_yaml
from app.models import DeadlineProfile, Region


async def _profiles(session: AsyncSession, run: SeedRun) -> int:
    existing = {p.code: p for p in (await session.execute(select(DeadlineProfile))).scalars()}
    changed = 0
    for item in read_yaml(run.seed_dir / "deadline_profiles.yaml"):
        Profile.parse(item["code"], item["spec"], run.profile_sections)  # a broken profile fails the seed
        row = existing.get(item["code"])
        if row is None:
            session.add(DeadlineProfile(code=item["code"], name=item["name"], spec=item["spec"],
                                        source=item.get("source")))
            changed += 1
        elif row.spec != item["spec"] or row.name != item["name"]:
            row.spec, row.name, row.source = item["spec"], item["name"], item.get("source")
            changed += 1
    await session.flush()
    return changed


async def _assignments(session: AsyncSession, run: SeedRun) -> int:
    """Regions a profile names get it, unless an administrator already chose one for them."""
    regions = {r.code: r for r in (await session.execute(select(Region))).scalars()}
    changed = 0
    for item in read_yaml(run.seed_dir / "deadline_profiles.yaml"):
        for code in item.get("districts") or []:
            region = regions.get(str(code))
            if region is None:
                raise ValueError(f"profile {item['code']} names region {code}, which the gazetteer lacks")
            if region.profile_code is None:
                region.profile_code = item["code"]
                changed += 1
    await session.flush()
    return changed


async def _calendars(session: AsyncSession, run: SeedRun) -> int:
    changed = 0
    for path in sorted((run.seed_dir / "calendars").glob("*.yaml")):
        changed += await load_year_file(session, read_yaml(path), source=f"seed/{path.name}", now=run.now,
                                        replace=False)
    return changed


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    report = {"deadline_profiles": await _profiles(session, run),
              "profile_assignments": await _assignments(session, run)}
    if not run.upgrade:
        report["calendar_years"] = await _calendars(session, run)
    return report
