"""HTTP for categories and the dispatch catalogue: parse, authorise, call the service."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.core.auth import AdminUser, SessionDep, StaffUser
from app.core.concurrency import IfMatch, etag
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.routing import repository, service
from app.routing.schemas import (
    CategoryRead,
    RoutingDecisionRead,
    RoutingPreviewRequest,
    RoutingRuleCreate,
    RoutingRuleRead,
    RoutingRuleUpdate,
)

router = APIRouter(tags=["routing"], route_class=UnitOfWorkRoute)


def _with_etag(read: RoutingRuleRead) -> JSONResponse:
    return JSONResponse(read.model_dump(mode="json"), headers={"ETag": etag(read.version)})


@router.get("/categories", summary="The category tree")
async def list_categories(session: SessionDep) -> dict[str, list[CategoryRead]]:
    return {"items": await service.categories(session)}


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
    return Page(items=[RoutingRuleRead.of(r) for r in rows[:limit]], next_cursor=next_cursor)


@router.post("/routing/rules", status_code=201, response_model=RoutingRuleRead, summary="Add a rule (admin)")
async def create_rule(ctx: CtxDep, _: AdminUser, body: RoutingRuleCreate) -> RoutingRuleRead:
    return RoutingRuleRead.of(await service.create_rule(ctx, body))


@router.get("/routing/rules/{rule_id}", response_model=RoutingRuleRead, summary="One rule")
async def get_rule(rule_id: int, session: SessionDep, _: StaffUser) -> JSONResponse:
    return _with_etag(RoutingRuleRead.of(await service.rule(session, rule_id)))


@router.patch("/routing/rules/{rule_id}", response_model=RoutingRuleRead,
              summary="Change or disable a rule (admin, If-Match)")
async def update_rule(ctx: CtxDep, _: AdminUser, rule_id: int, body: RoutingRuleUpdate,
                      version: IfMatch) -> JSONResponse:
    return _with_etag(RoutingRuleRead.of(await service.update_rule(ctx, rule_id, body, version)))


@router.post("/routing/preview", response_model=RoutingDecisionRead,
             summary="Who would be responsible for this case, and by when")
async def preview(ctx: CtxDep, _: StaffUser, body: RoutingPreviewRequest) -> RoutingDecisionRead:
    return await service.preview(ctx, body)
