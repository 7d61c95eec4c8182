"""Loads routing reference data into a cached snapshot and applies the pure resolver."""

from collections import defaultdict
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.deadlines import DispatchDeadlines, Profile, deadlines_at_dispatch
from app.calendar.service import current_calendar, deployment_profile
from app.core.errors import AppError
from app.routing import repository
from app.routing.rules import (
    CategoryNode,
    Decision,
    Facts,
    RegionNode,
    RoutingDataError,
    RuleRef,
    Snapshot,
    UnitRef,
    resolve,
)

SNAPSHOT = "routing-snapshot"


async def snapshot(state: Any, session: AsyncSession) -> Snapshot:
    async def load() -> Snapshot:
        regions, cats, rules, units, kinds = await repository.snapshot_rows(session)
        by_category: dict[str, list[RuleRef]] = defaultdict(list)
        for r in rules:
            by_category[r.category_code].append(RuleRef(
                id=r.id, category_code=r.category_code, region_code=r.region_code,
                work_order_type=r.work_order_type, lead_kind=r.lead_kind, co_kinds=tuple(r.co_kinds),
                handling_class=r.handling_class, priority=r.priority, note=r.note))
        by_place: dict[tuple[str, str], list[UnitRef]] = defaultdict(list)
        for u in units:
            by_place[(u.region_code, u.kind)].append(UnitRef(u.id, u.code, u.name, u.kind, u.region_code))
        return Snapshot(
            regions={r.code: RegionNode(r.code, r.name, r.level, r.parent_code, r.statistical) for r in regions},
            categories={c.code: CategoryNode(c.code, c.name, c.parent_code) for c in cats},
            rules_by_category=dict(by_category), units_by_place=dict(by_place), kind_names=kinds,
            units_by_id={u.id: u for refs in by_place.values() for u in refs},
        )

    return await state.cache.get(SNAPSHOT, load)


def leaf_codes(snap: Snapshot) -> set[str]:
    parents = {c.parent_code for c in snap.categories.values() if c.parent_code}
    return {code for code in snap.categories if code not in parents}


def validate_facts(snap: Snapshot, *, category: str, region_code: str, field_prefix: str = "") -> None:
    """Unknown or non-leaf category, unknown or non-community region: a 422 naming the field."""
    if category not in snap.categories:
        raise AppError("category_not_found", 422, code=category,
                       field_errors=[{"field": f"{field_prefix}category", "code": "category_not_found"}])
    if category not in leaf_codes(snap):
        raise AppError("category_not_leaf", 422, code=category,
                       field_errors=[{"field": f"{field_prefix}category", "code": "category_not_leaf"}])
    region = snap.regions.get(region_code)
    if region is None:
        raise AppError("region_not_found", 422, code=region_code,
                       field_errors=[{"field": f"{field_prefix}region_code", "code": "region_not_found"}])
    if region.level != "community":
        raise AppError("region_not_community", 422, code=region_code,
                       field_errors=[{"field": f"{field_prefix}region_code", "code": "region_not_community"}])


async def route(state: Any, session: AsyncSession, facts: Facts, *, at: datetime,
                profile_code: str | None = None) -> tuple[Decision, DispatchDeadlines, Profile]:
    snap = await snapshot(state, session)
    validate_facts(snap, category=facts.category_code, region_code=facts.region_code)
    try:
        decision = resolve(facts, snap)
    except RoutingDataError as exc:
        raise AppError("internal_error", 500) from exc
    profile = await deployment_profile(state, session, profile_code)
    calendar = await current_calendar(state, session)
    deadlines = deadlines_at_dispatch(
        profile, work_order_type=facts.work_order_type, urgency=facts.urgency,
        handling_class=decision.handling_class, dispatched_at=at, calendar=calendar,
        zone=ZoneInfo(state.settings.timezone),
    )
    return decision, deadlines, profile


def invalidate(state: Any) -> None:
    state.cache.invalidate(SNAPSHOT)
