"""Loads the category tree (seed/categories.yaml) and the dispatch catalogue (seed/routing_rules.yaml). Rules are
only inserted when missing: administrators edit them afterwards."""

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from app.core.seeds import SeedRun, read_yaml, upsert
from app.models import Category, RoutingRule


async def _categories(session: AsyncSession, run: SeedRun) -> int:
    existing = {c.code: c for c in (await session.execute(select(Category))).scalars()}
    changed = 0

    def walk(items: list[dict[str, Any]], parent: str | None) -> list[tuple[str, dict[str, Any]]]:
        out = []
        for sort, item in enumerate(items):
            values = {"name": item["name"], "name_en": item["name_en"], "parent_code": parent,
                      "description": item.get("description"), "sort": sort}
            out.append((item["code"], values))
            out.extend(walk(item.get("children") or [], item["code"]))
        return out

    for code, values in walk(read_yaml(run.seed_dir / "categories.yaml"), None):
        changed += upsert(session, existing.get(code), Category, {"code": code}, values)
        await session.flush()
    return changed


async def _rules(session: AsyncSession, run: SeedRun) -> int:
    rows = (await session.execute(select(RoutingRule))).scalars()
    seen = {(r.category_code, r.region_code, r.work_order_type, r.priority) for r in rows}
    changed = 0
    for item in read_yaml(run.seed_dir / "routing_rules.yaml"):
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


async def seed(session: AsyncSession, run: SeedRun) -> Mapping[str, int]:
    if run.upgrade:
        return {}
    return {"categories": await _categories(session, run), "routing_rules": await _rules(session, run)}
