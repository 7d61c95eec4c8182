"""Loads seed/ into the database. Idempotent: a second run changes nothing.

Rows that administrators may edit afterwards (rules, profiles) are only
inserted when missing, never overwritten.
"""

import csv
import logging
from pathlib import Path
from typing import Any

import yaml
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.deadlines import Profile
from app.calendar.repository import load_year_file
from app.eldercare.policy import CarePolicy as CarePolicySpec
from app.models import (
    AidLine,
    CarePolicy,
    Category,
    DeadlineProfile,
    DisputeType,
    KnowledgeArticle,
    LifeEvent,
    MediationHandoff,
    Region,
    RoutingRule,
    ServiceItem,
    Unit,
    UnitKind,
    VolunteerSkill,
)

log = logging.getLogger("app.seed")


def _yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


async def seed_regions(session: AsyncSession, seed_dir: Path) -> int:
    existing = {r.code: r for r in (await session.execute(select(Region))).scalars()}
    changed = 0
    with (seed_dir / "regions.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    for row in rows:  # parents precede children in the file
        values = {
            "name": row["name"], "level": row["level"], "parent_code": row["parent_code"] or None,
            "statistical": row["statistical"] == "1",
            "aliases": [a for a in row["aliases"].split("|") if a],
        }
        region = existing.get(row["code"])
        if region is None:
            session.add(Region(code=row["code"], **values))
            changed += 1
        elif any(getattr(region, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(region, k, v)
            changed += 1
    await session.flush()
    return changed


async def seed_unit_kinds(session: AsyncSession, seed_dir: Path) -> int:
    existing = {k.code: k for k in (await session.execute(select(UnitKind))).scalars()}
    changed = 0
    for item in _yaml(seed_dir / "unit_kinds.yaml"):
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


async def seed_units(session: AsyncSession, seed_dir: Path, *, update_existing: bool = True) -> int:
    regions = {r.code: r for r in (await session.execute(select(Region))).scalars()}
    units = {u.code: u for u in (await session.execute(select(Unit))).scalars()}
    templates = _yaml(seed_dir / "units.yaml")
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
                elif update_existing and any(getattr(unit, k) != v for k, v in values.items()):
                    for k, v in values.items():
                        setattr(unit, k, v)
                    changed += 1
    await session.flush()
    return changed


async def seed_categories(session: AsyncSession, seed_dir: Path) -> int:
    existing = {c.code: c for c in (await session.execute(select(Category))).scalars()}
    changed = 0

    def walk(items: list[dict[str, Any]], parent: str | None) -> list[Category]:
        out = []
        for sort, item in enumerate(items):
            values = {"name": item["name"], "name_en": item["name_en"], "parent_code": parent,
                      "description": item.get("description"), "sort": sort}
            out.append((item["code"], values))
            out.extend(walk(item.get("children") or [], item["code"]))
        return out

    for code, values in walk(_yaml(seed_dir / "categories.yaml"), None):
        category = existing.get(code)
        if category is None:
            session.add(Category(code=code, **values))
            changed += 1
        elif any(getattr(category, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(category, k, v)
            changed += 1
        await session.flush()
    return changed


async def seed_rules(session: AsyncSession, seed_dir: Path) -> int:
    rows = (await session.execute(select(RoutingRule))).scalars()
    seen = {(r.category_code, r.region_code, r.work_order_type, r.priority) for r in rows}
    changed = 0
    for item in _yaml(seed_dir / "routing_rules.yaml"):
        key = (item["category"], item.get("region"), item.get("work_order_type"), int(item.get("priority", 100)))
        if key in seen:
            continue
        session.add(RoutingRule(
            category_code=item["category"], region_code=item.get("region"),
            work_order_type=item.get("work_order_type"), lead_kind=item["lead_kind"],
            co_kinds=list(item.get("co_kinds") or []), handling_class=item.get("handling_class", "standard"),
            priority=int(item.get("priority", 100)), note=item.get("note"),
        ))
        seen.add(key)
        changed += 1
    await session.flush()
    return changed


async def seed_profiles(session: AsyncSession, seed_dir: Path) -> int:
    """Profiles are owned by the seed: a changed spec in the file replaces the stored one."""
    existing = {p.code: p for p in (await session.execute(select(DeadlineProfile))).scalars()}
    changed = 0
    for item in _yaml(seed_dir / "deadline_profiles.yaml"):
        Profile.parse(item["code"], item["spec"])  # a broken profile fails the seed, not a request
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


async def seed_care(session: AsyncSession, seed_dir: Path) -> int:
    """Care policies follow the seed like deadline profiles; skills the database lacks are added."""
    existing = {p.code: p for p in (await session.execute(select(CarePolicy))).scalars()}
    changed = 0
    for item in _yaml(seed_dir / "care_policies.yaml"):
        CarePolicySpec.parse(item["code"], item["spec"])  # a broken policy fails the seed, not a request
        row = existing.get(item["code"])
        if row is None:
            session.add(CarePolicy(code=item["code"], name=item["name"], spec=item["spec"], source=item.get("source")))
            changed += 1
        elif row.spec != item["spec"] or row.name != item["name"]:
            row.spec, row.name, row.source = item["spec"], item["name"], item.get("source")
            changed += 1
    skills = set((await session.execute(select(VolunteerSkill.code))).scalars())
    for item in _yaml(seed_dir / "volunteer_skills.yaml"):
        if item["code"] not in skills:
            session.add(VolunteerSkill(code=item["code"], name=item["name"], name_en=item["name_en"],
                                       service_types=list(item.get("service_types") or []),
                                       adults_only=bool(item.get("adults_only"))))
            changed += 1
    await session.flush()
    return changed


async def seed_aid_and_mediation(session: AsyncSession, seed_dir: Path) -> int:
    """低保 lines, dispute types and hand-off routes the database lacks; rows administrators changed stay."""
    changed = 0
    lines = {(r.district_code, r.effective_from) for r in (await session.execute(select(AidLine))).scalars()}
    for item in _yaml(seed_dir / "aid_lines.yaml"):
        if (item["district_code"], item["effective_from"]) not in lines:
            session.add(AidLine(**item))
            changed += 1
    data = _yaml(seed_dir / "mediation.yaml")
    types = set((await session.execute(select(DisputeType.code))).scalars())
    for item in data["dispute_types"]:
        if item["code"] not in types:
            session.add(DisputeType(code=item["code"], name=item["name"], name_en=item["name_en"],
                                    category_code=item["category"], reserved_to=item.get("reserved_to"),
                                    reserved_to_en=item.get("reserved_to_en"), other_routes=item["other_routes"]))
            changed += 1
    handoffs = set((await session.execute(select(MediationHandoff.code))).scalars())
    for item in data["handoffs"]:
        if item["code"] not in handoffs:
            session.add(MediationHandoff(**item))
            changed += 1
    await session.flush()
    return changed


async def seed_calendars(session: AsyncSession, seed_dir: Path, now: Any) -> int:
    changed = 0
    for path in sorted((seed_dir / "calendars").glob("*.yaml")):
        changed += await load_year_file(session, _yaml(path), source=f"seed/{path.name}", now=now,
                                        replace=False)
    return changed


async def seed_knowledge(session: AsyncSession, seed_dir: Path, now: Any) -> int:
    """Adds articles the database lacks; articles edited through the API are the administrators' to keep."""
    path = seed_dir / "knowledge.yaml"
    if not path.exists():
        return 0
    existing = set((await session.execute(select(KnowledgeArticle.code))).scalars())
    changed = 0
    for item in _yaml(path):
        if item["code"] in existing:
            continue
        basis = item.get("policy_basis") or {}
        session.add(KnowledgeArticle(
            code=item["code"], category_code=item["category"], question=item["question"],
            answer=item["answer"].strip(), keywords=[str(k) for k in item.get("keywords") or []],
            policy_title=basis.get("title"), document_number=basis.get("document_number"),
            valid_from=item["valid_from"], valid_to=item.get("valid_to"), note=item.get("note"),
            created_at=now, updated_at=now))
        changed += 1
    await session.flush()
    return changed


async def seed_affairs(session: AsyncSession, seed_dir: Path, now: Any) -> int:
    """Life events and service-guide items the database lacks, each checked like an administrator's submission.

    Items already present (any version) are left alone: versions published through the API are the
    administrators' to keep.
    """
    from app.affairs.schemas import ServiceItemCreate  # the guide's own validation, not a copy of it

    path = seed_dir / "affairs.yaml"
    if not path.exists():
        return 0
    data = _yaml(path)
    events = set((await session.execute(select(LifeEvent.code))).scalars())
    for e in data.get("life_events") or []:
        if e["code"] not in events:
            session.add(LifeEvent(code=e["code"], name=e["name"], name_en=e["name_en"]))
    existing = set((await session.execute(select(ServiceItem.code))).scalars())
    changed = 0
    for raw in data.get("items") or []:
        if raw["code"] in existing:
            continue
        body = ServiceItemCreate.model_validate(raw)
        session.add(ServiceItem(
            code=body.code, version=1, current=True, status="active", category_code=body.category,
            fees=body.fees.model_dump(), materials=[m.model_dump() for m in body.materials], created_at=now,
            **body.model_dump(exclude={"code", "category", "fees", "materials"})))
        changed += 1
    await session.flush()
    return changed


async def seed_upgrade(session: AsyncSession, seed_dir: Path) -> dict[str, int]:
    """What an existing database needs after an upgrade, every time it is served: the seed-owned deadline
    profiles and care policies (a new release may add fields the code reads; they follow the seed files, as
    `seed` does), unit-kind names, and reference rows a release adds (units, skills, 低保 lines, dispute types).
    Units, skills, lines and dispute types that exist are left as administrators keep them."""
    report = {
        "unit_kinds": await seed_unit_kinds(session, seed_dir),
        "units": await seed_units(session, seed_dir, update_existing=False),
        "deadline_profiles": await seed_profiles(session, seed_dir),
        "care": await seed_care(session, seed_dir),
        "aid_and_mediation": await seed_aid_and_mediation(session, seed_dir),
    }
    log.info("seeded an existing database", extra={"detail": report})
    return report


async def seed_all(session: AsyncSession, seed_dir: Path, now: Any) -> dict[str, int]:
    report = {
        "regions": await seed_regions(session, seed_dir),
        "unit_kinds": await seed_unit_kinds(session, seed_dir),
        "units": await seed_units(session, seed_dir),
        "categories": await seed_categories(session, seed_dir),
        "routing_rules": await seed_rules(session, seed_dir),
        "deadline_profiles": await seed_profiles(session, seed_dir),
        "care": await seed_care(session, seed_dir),
        "aid_and_mediation": await seed_aid_and_mediation(session, seed_dir),
        "calendar_years": await seed_calendars(session, seed_dir, now),
        "knowledge_articles": await seed_knowledge(session, seed_dir, now),
        "service_items": await seed_affairs(session, seed_dir, now),
    }
    log.info("seeded", extra={"detail": report})
    return report
