"""Loads routing reference data into a cached snapshot and applies the pure resolver."""

from collections import defaultdict
from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.calendar.deadlines import DispatchDeadlines, Profile, deadlines_at_dispatch
from app.calendar.service import current_calendar, deployment_profile
from app.core import audit
from app.core.concurrency import require_version
from app.core.context import Ctx
from app.core.db import after_commit
from app.core.errors import AppError, NotFound
from app.core.romanize import place_name_en
from app.core.state import AppState
from app.models import RoutingRule
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
    english_unit_name,
    profile_of,
    resolve,
)
from app.routing.schemas import (
    CategoryRead,
    RoutingDecisionRead,
    RoutingPreviewRequest,
    RoutingRuleCreate,
    RoutingRuleUpdate,
)
from app.units.schemas import UnitBrief

SNAPSHOT = "routing-snapshot"


async def snapshot(state: AppState, session: AsyncSession) -> Snapshot:
    async def load() -> Snapshot:
        regions, cats, rules, units, kinds = await repository.snapshot_rows(session)
        by_category: dict[str, list[RuleRef]] = defaultdict(list)
        for r in rules:
            by_category[r.category_code].append(RuleRef(
                id=r.id, category_code=r.category_code, region_code=r.region_code,
                work_order_type=r.work_order_type, lead_kind=r.lead_kind, co_kinds=tuple(r.co_kinds),
                handling_class=r.handling_class, priority=r.priority, note=r.note))
        nodes = {r.code: RegionNode(r.code, r.name, r.level, r.parent_code, r.statistical, r.profile_code,
                                    name_en=r.name_en or place_name_en(r.name)) for r in regions}
        kinds_en = {k.code: k.name_en for k in kinds}
        by_place: dict[tuple[str, str], list[UnitRef]] = defaultdict(list)
        for u in units:
            by_place[(u.region_code, u.kind)].append(UnitRef(u.id, u.code, u.name, u.kind, u.region_code,
                                                             name_en=english_unit_name(nodes, kinds_en, u)))
        return Snapshot(
            regions=nodes,
            categories={c.code: CategoryNode(c.code, c.name, c.parent_code, c.name_en, c.active) for c in cats},
            rules_by_category=dict(by_category), units_by_place=dict(by_place),
            kind_names={k.code: k.name for k in kinds}, kind_names_en=kinds_en,
            units_by_id={u.id: u for refs in by_place.values() for u in refs},
        )

    return await state.cache.get(SNAPSHOT, load)


def leaf_codes(snap: Snapshot) -> set[str]:
    """The categories in force a case may be filed under (a retired category is none)."""
    parents = {c.parent_code for c in snap.categories.values() if c.parent_code and c.active}
    return {code for code, c in snap.categories.items() if c.active and code not in parents}


def validate_facts(snap: Snapshot, *, category: str, region_code: str, field_prefix: str = "",
                   kept: str | None = None) -> None:
    """Unknown, retired or non-leaf category, unknown or non-community region: a 422 naming the field. `kept` is
    the category a case already has: it stays valid after the catalogue retires it (the case is routed again
    under it when its place changes or a unit it holds is retired)."""
    node = snap.categories.get(category)
    if category == kept and node is not None:
        pass
    elif node is None or not node.active:
        raise AppError("category_not_found", 422, code=category,
                       field_errors=[{"field": f"{field_prefix}category", "code": "category_not_found"}])
    elif category not in leaf_codes(snap):
        raise AppError("category_not_leaf", 422, code=category,
                       field_errors=[{"field": f"{field_prefix}category", "code": "category_not_leaf"}])
    region = snap.regions.get(region_code)
    if region is None:
        raise AppError("region_not_found", 422, code=region_code,
                       field_errors=[{"field": f"{field_prefix}region_code", "code": "region_not_found"}])
    if region.level != "community":
        raise AppError("region_not_community", 422, code=region_code,
                       field_errors=[{"field": f"{field_prefix}region_code", "code": "region_not_community"}])


async def profile_code_for(state: AppState, session: AsyncSession, region_code: str) -> str:
    """The deadline profile a new case at this place runs under (the region's, inherited down the tree)."""
    return profile_of(await snapshot(state, session), region_code, state.settings.deadline_profile)


async def profile_at(state: AppState, session: AsyncSession, region_code: str | None) -> Profile:
    """The deadline profile in force at a place (the deployment's default when the place is not known yet)."""
    code = await profile_code_for(state, session, region_code) if region_code else None
    return await deployment_profile(state, session, code)


async def route(state: AppState, session: AsyncSession, facts: Facts, *, at: datetime,
                profile_code: str | None = None, kept_category: bool = False,
                ) -> tuple[Decision, DispatchDeadlines, Profile]:
    """`kept_category`: the facts are a stored case's, whose category may have been retired since it was filed."""
    snap = await snapshot(state, session)
    profile_code = profile_code or profile_of(snap, facts.region_code, state.settings.deadline_profile)
    validate_facts(snap, category=facts.category_code, region_code=facts.region_code,
                   kept=facts.category_code if kept_category else None)
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


def invalidate(state: AppState) -> None:
    state.cache.invalidate(SNAPSHOT)


async def categories(session: AsyncSession) -> list[CategoryRead]:
    """The category tree, each marked whether cases may be filed under it (a leaf)."""
    rows = await repository.categories(session)
    parents = {c.parent_code for c in rows if c.parent_code}
    return [CategoryRead.model_validate(c).model_copy(update={"leaf": c.code not in parents}) for c in rows]


async def _check_rule_refs(session: AsyncSession, *, category: str | None, region_code: str | None,
                           kinds: list[str]) -> None:
    errors = []
    if category is not None and await repository.category(session, category) is None:
        errors.append({"field": "category", "code": "category_not_found"})
    if region_code is not None and await repository.region(session, region_code) is None:
        errors.append({"field": "region_code", "code": "region_not_found"})
    known = await repository.unit_kind_codes(session)
    for i, kind in enumerate(kinds):
        if kind not in known:
            errors.append({"field": "lead_kind" if i == 0 else f"co_kinds.{i - 1}", "code": "unit_kind_unknown",
                           "message": f"unknown unit kind {kind}"})
    if errors:
        raise AppError("validation_failed", 422, field_errors=errors)


async def rule(session: AsyncSession, rule_id: int) -> RoutingRule:
    found = await repository.rule(session, rule_id)
    if found is None:
        raise NotFound("rule_not_found", rule_id=rule_id)
    return found


async def create_rule(ctx: Ctx, body: RoutingRuleCreate) -> RoutingRule:
    await _check_rule_refs(ctx.session, category=body.category, region_code=body.region_code,
                           kinds=[body.lead_kind, *body.co_kinds])
    created = RoutingRule(category_code=body.category, region_code=body.region_code,
                          work_order_type=body.work_order_type, lead_kind=body.lead_kind, co_kinds=body.co_kinds,
                          handling_class=body.handling_class, priority=body.priority, note=body.note,
                          created_at=ctx.now, updated_at=ctx.now)
    await repository.add(ctx.session, created)
    audit.record(ctx.session, at=ctx.now, action="routing_rule.create", actor_user_id=ctx.principal.user_id,
                 target_type="routing_rule", target_id=created.id, detail=body.model_dump())
    after_commit(ctx.session, SNAPSHOT, lambda: invalidate(ctx.state))
    return created


async def update_rule(ctx: Ctx, rule_id: int, body: RoutingRuleUpdate, version: int | None) -> RoutingRule:
    found = await rule(ctx.session, rule_id)
    require_version(version, found.version)
    changes = body.model_dump(exclude_unset=True)
    kinds = [k for k in [changes.get("lead_kind"), *(changes.get("co_kinds") or [])] if k]
    await _check_rule_refs(ctx.session, category=None, region_code=changes.get("region_code"), kinds=kinds)
    before = {k: getattr(found, k) for k in changes}
    for key, value in changes.items():
        setattr(found, key, value)
    found.version += 1
    found.updated_at = ctx.now
    audit.record(ctx.session, at=ctx.now, action="routing_rule.update", actor_user_id=ctx.principal.user_id,
                 target_type="routing_rule", target_id=found.id, detail={"before": before, "after": changes})
    after_commit(ctx.session, SNAPSHOT, lambda: invalidate(ctx.state))
    return found


async def preview(ctx: Ctx, body: RoutingPreviewRequest) -> RoutingDecisionRead:
    facts = Facts(category_code=body.category, region_code=body.region_code,
                  work_order_type=body.work_order_type, urgency=body.urgency, kind=body.kind)
    decision, deadlines, profile = await route(ctx.state, ctx.session, facts, at=ctx.now)
    return RoutingDecisionRead(
        lead=UnitBrief.of(decision.lead, ctx.english),
        co_handlers=[UnitBrief.of(u, ctx.english) for u in decision.co_handlers],
        rule_id=decision.rule.id if decision.rule else None, fallback=decision.fallback, tie=decision.tie,
        handling_class=decision.handling_class, profile=profile.code, deadlines=deadlines.describe(),
        trace=decision.trace_dicts(),
    )
