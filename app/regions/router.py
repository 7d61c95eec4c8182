"""HTTP for the gazetteer: parse, authorise, call the service."""

from typing import Annotated

from fastapi import APIRouter, Query, Request

from app.core.auth import AdminUser, SessionDep
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.regions import service
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
    after = decode_cursor(cursor, 1)
    rows = await service.search(session, q=q, parent=parent, level=level, after=after[0] if after else None,
                                limit=limit + 1)
    next_cursor = encode_cursor([rows[limit - 1].code]) if len(rows) > limit else None
    return Page(items=[RegionRead.model_validate(r) for r in rows[:limit]], next_cursor=next_cursor)


@router.get("/{code}", response_model=RegionDetail, summary="One region with its path")
async def get_region(code: str, session: SessionDep) -> RegionDetail:
    return await service.detail(session, code)


@router.put("/{code}/places", response_model=RegionRead, summary="Set the compounds and landmarks of a region (admin)",
            description="Residential compounds (小区), estates and landmarks inside the region, as residents "
                        "name them. Address resolution matches them whole; a name placed in two regions makes "
                        "an address that names it ambiguous, answered with both as candidates.")
async def set_places(ctx: CtxDep, _: AdminUser, code: str, body: PlacesUpdate) -> RegionRead:
    return RegionRead.model_validate(await service.set_places(ctx, code, body.places))


@router.post("/resolve", response_model=ResolveResult, summary="Address text → the community (or deepest region)",
             description="Finds every division named in the text (current names, short forms such as 园岭, old "
                         "names such as 新南园), the places loaded for the city (compounds, landmarks and their "
                         "aliases) and house numbers on roads with known number ranges (深南大道6021号, 两千零一号; "
                         "对面 adds the other side of the road, 附近 the neighbouring numbers). `confidence` says "
                         "what kind of match it was (`match`): an exact verified place 0.95, a number within one "
                         "range 0.85, a village assumed by its name 0.7; 0.8 and above is a confident answer. When "
                         "the text fits several communities (a place spanning them, a number on a boundary "
                         "stretch, a road with no known range for the number), `ambiguous` is true, "
                         "`region_code` is their common region and `candidates` lists them, each with its "
                         "`reason`; a place whose community is only a guess is answered at its subdistrict. Typos "
                         "only ever produce candidates. An address naming no known place is a 422 "
                         "`address_unresolved`.")
async def resolve(body: ResolveRequest, request: Request, session: SessionDep) -> ResolveResult:
    return await service.resolve_or_422(request.app.state, session, body.address)
