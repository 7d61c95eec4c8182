from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.core import audit
from app.core.auth import AdminUser, ClockDep, SessionDep
from app.core.db import UnitOfWorkRoute, after_commit
from app.core.errors import AppError, NotFound
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.core.region_codes import is_region_code
from app.regions import repository, resolution
from app.regions.schemas import PlacesUpdate, RegionDetail, RegionRead, ResolveRequest, ResolveResult

router = APIRouter(prefix="/regions", tags=["regions"], route_class=UnitOfWorkRoute)


@router.get("", response_model=Page[RegionRead], summary="Search the gazetteer")
async def list_regions(
    session: SessionDep,
    q: Annotated[str | None, Query(max_length=40, description="Name (or old name) fragment, or code prefix")] = None,
    parent: Annotated[str | None, Query(description="Children of this region")] = None,
    level: Annotated[str | None, Query(pattern="^(province|city|district|subdistrict|community)$")] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[RegionRead]:
    if parent is not None:
        if not is_region_code(parent):
            raise AppError("region_code_invalid", 422,
                           field_errors=[{"field": "parent", "code": "region_code_invalid"}])
        if await repository.get(session, parent) is None:
            raise AppError("region_not_found", 422, code=parent,
                           field_errors=[{"field": "parent", "code": "region_not_found"}])
    after = decode_cursor(cursor, 1)
    rows = await repository.search(session, q=q, parent=parent, level=level,
                                   after=after[0] if after else None, limit=limit + 1)
    next_cursor = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    return Page(items=[RegionRead.model_validate(r) for r in rows[:limit]], next_cursor=next_cursor)


@router.get("/{code}", response_model=RegionDetail, summary="One region with its path")
async def get_region(code: str, session: SessionDep) -> RegionDetail:
    if not is_region_code(code):
        raise AppError("region_code_invalid", 422, field_errors=[{"field": "code", "code": "region_code_invalid"}])
    region = await repository.get(session, code)
    if region is None:
        raise NotFound("region_not_found", code=code)
    path = await repository.path_to_root(session, region)
    return RegionDetail(**RegionRead.model_validate(region).model_dump(),
                        path=[RegionRead.model_validate(r) for r in path],
                        children_count=await repository.count_children(session, code))


@router.put("/{code}/places", response_model=RegionRead, summary="Set the compounds and landmarks of a region (admin)",
            description="Residential compounds (小区), estates and landmarks inside the region, as residents "
                        "name them. Address resolution matches them whole; a name placed in two regions makes "
                        "an address that names it ambiguous, answered with both as candidates.")
async def set_places(code: str, body: PlacesUpdate, request: Request, session: SessionDep, admin: AdminUser,
                     clock: ClockDep) -> RegionRead:
    if not is_region_code(code):
        raise AppError("region_code_invalid", 422, field_errors=[{"field": "code", "code": "region_code_invalid"}])
    region = await repository.get(session, code)
    if region is None:
        raise NotFound("region_not_found", code=code)
    if region.level in ("province", "city"):
        raise AppError("places_level_invalid", 422, field_errors=[{"field": "code", "code": "places_level_invalid"}])
    before = list(region.places or [])
    region.places = list(dict.fromkeys(body.places))
    audit.record(session, at=clock.now(), action="region.places", actor_user_id=admin.user_id,
                 target_type="region", target_id=None, detail={"code": code, "before": before,
                                                               "after": region.places})
    after_commit(session, "gazetteer", lambda: resolution.invalidate(request.app.state))
    return RegionRead.model_validate(region)


@router.post("/resolve", response_model=ResolveResult, summary="Address text → the community (or deepest region)",
             description="Finds every division named in the text (current names, short forms such as 园岭, old "
                         "names such as 新南园) and keeps the chain they agree on. When the text fits several "
                         "places equally, `ambiguous` is true, `region_code` is their common region and "
                         "`candidates` lists them; typos only ever produce candidates. An address naming no "
                         "known place is a 422 `address_unresolved`.")
async def resolve(body: ResolveRequest, request: Request, session: SessionDep) -> ResolveResult:
    g = await resolution.gazetteer(request.app.state, session)
    result = g.resolve(body.address)
    if result.region_code is None and not result.candidates:
        raise AppError("address_unresolved", 422, field_errors=[{"field": "address", "code": "address_unresolved"}])
    return resolution.present(g, result)
