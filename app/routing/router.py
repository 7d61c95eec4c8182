from typing import Annotated

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.core import audit
from app.core.auth import AdminUser, ClockDep, SessionDep, StaffUser
from app.core.concurrency import check_version, etag, parse_if_match
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, NotFound
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.models import Region, RoutingRule
from app.routing import repository, service
from app.routing.rules import Facts
from app.routing.schemas import (
    CategoryRead,
    RoutingDecisionRead,
    RoutingPreviewRequest,
    RoutingRuleCreate,
    RoutingRuleRead,
    RoutingRuleUpdate,
)
from app.units.schemas import UnitBrief

router = APIRouter(tags=["routing"], route_class=UnitOfWorkRoute)


def _rule_read(rule: RoutingRule) -> RoutingRuleRead:
    return RoutingRuleRead(
        id=rule.id, category=rule.category_code, region_code=rule.region_code,
        work_order_type=rule.work_order_type, lead_kind=rule.lead_kind, co_kinds=rule.co_kinds,
        handling_class=rule.handling_class, priority=rule.priority, note=rule.note, active=rule.active,
        version=rule.version, updated_at=rule.updated_at,
    )


@router.get("/categories", summary="The category tree")
async def list_categories(session: SessionDep) -> dict[str, list[CategoryRead]]:
    rows = await repository.categories(session)
    parents = {c.parent_code for c in rows if c.parent_code}
    items = []
    for c in rows:
        item = CategoryRead.model_validate(c)
        item.leaf = c.code not in parents
        items.append(item)
    return {"items": items}


async def _check_rule_refs(session: SessionDep, *, category: str | None, region_code: str | None,
                           kinds: list[str]) -> None:
    errors = []
    if category is not None and await repository.category(session, category) is None:
        errors.append({"field": "category", "code": "category_not_found"})
    if region_code is not None and await session.get(Region, region_code) is None:
        errors.append({"field": "region_code", "code": "region_not_found"})
    known = await repository.unit_kind_codes(session)
    for i, kind in enumerate(kinds):
        if kind not in known:
            errors.append({"field": "lead_kind" if i == 0 else f"co_kinds.{i - 1}", "code": "unit_kind_unknown",
                           "message": f"unknown unit kind {kind}"})
    if errors:
        raise AppError("validation_failed", 422, field_errors=errors)


@router.get("/routing/rules", response_model=Page[RoutingRuleRead], summary="Routing rules")
async def list_rules(
    session: SessionDep, _: StaffUser,
    category: Annotated[str | None, Query(max_length=64)] = None,
    active: bool | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[RoutingRuleRead]:
    after = decode_cursor(cursor, 1)
    rows = await repository.rules(session, category=category, active=active,
                                  after=int(after[0]) if after else None, limit=limit + 1)
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=[_rule_read(r) for r in rows[:limit]], next_cursor=next_cursor)


@router.post("/routing/rules", status_code=201, response_model=RoutingRuleRead, summary="Add a rule (admin)")
async def create_rule(body: RoutingRuleCreate, request: Request, session: SessionDep, admin: AdminUser,
                      clock: ClockDep) -> RoutingRuleRead:
    await _check_rule_refs(session, category=body.category, region_code=body.region_code,
                           kinds=[body.lead_kind, *body.co_kinds])
    now = clock.now()
    rule = RoutingRule(category_code=body.category, region_code=body.region_code,
                       work_order_type=body.work_order_type, lead_kind=body.lead_kind, co_kinds=body.co_kinds,
                       handling_class=body.handling_class, priority=body.priority, note=body.note,
                       created_at=now, updated_at=now)
    session.add(rule)
    await session.flush()
    audit.record(session, at=now, action="routing_rule.create", actor_user_id=admin.user_id,
                 target_type="routing_rule", target_id=rule.id, detail=body.model_dump())
    service.invalidate(request.app.state)
    return _rule_read(rule)


@router.get("/routing/rules/{rule_id}", response_model=RoutingRuleRead, summary="One rule")
async def get_rule(rule_id: int, session: SessionDep, _: StaffUser) -> JSONResponse:
    rule = await repository.rule(session, rule_id)
    if rule is None:
        raise NotFound("rule_not_found", rule_id=rule_id)
    return JSONResponse(_rule_read(rule).model_dump(mode="json"), headers={"ETag": etag(rule.version)})


@router.patch("/routing/rules/{rule_id}", response_model=RoutingRuleRead,
              summary="Change or disable a rule (admin, If-Match)")
async def update_rule(rule_id: int, body: RoutingRuleUpdate, request: Request, session: SessionDep,
                      admin: AdminUser, clock: ClockDep) -> JSONResponse:
    rule = await repository.rule(session, rule_id)
    if rule is None:
        raise NotFound("rule_not_found", rule_id=rule_id)
    check_version(parse_if_match(request), rule.version)
    changes = body.model_dump(exclude_unset=True)
    kinds = [k for k in [changes.get("lead_kind"), *(changes.get("co_kinds") or [])] if k]
    await _check_rule_refs(session, category=None, region_code=changes.get("region_code"), kinds=kinds)
    before = {k: getattr(rule, k) for k in changes}
    for key, value in changes.items():
        setattr(rule, key, value)
    rule.version += 1
    rule.updated_at = clock.now()
    audit.record(session, at=rule.updated_at, action="routing_rule.update", actor_user_id=admin.user_id,
                 target_type="routing_rule", target_id=rule.id, detail={"before": before, "after": changes})
    service.invalidate(request.app.state)
    return JSONResponse(_rule_read(rule).model_dump(mode="json"), headers={"ETag": etag(rule.version)})


@router.post("/routing/preview", response_model=RoutingDecisionRead,
             summary="Who would be responsible for this case, and by when")
async def preview(body: RoutingPreviewRequest, request: Request, session: SessionDep, _: StaffUser,
                  clock: ClockDep) -> RoutingDecisionRead:
    facts = Facts(category_code=body.category, region_code=body.region_code,
                  work_order_type=body.work_order_type, urgency=body.urgency, kind=body.kind)
    decision, deadlines, profile = await service.route(request.app.state, session, facts, at=clock.now())
    return RoutingDecisionRead(
        lead=UnitBrief.model_validate(decision.lead, from_attributes=True),
        co_handlers=[UnitBrief.model_validate(u, from_attributes=True) for u in decision.co_handlers],
        rule_id=decision.rule.id if decision.rule else None, fallback=decision.fallback, tie=decision.tie,
        handling_class=decision.handling_class, profile=profile.code, deadlines=deadlines.describe(),
        trace=decision.trace_dicts(),
    )
