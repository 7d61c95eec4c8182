"""The gazetteer: search, a region with its path, places an administrator sets, and address resolution against
the stored regions, cached like other reference data. Never commits."""

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.context import Ctx
from app.core.db import after_commit
from app.core.errors import AppError, NotFound
from app.core.region_codes import is_region_code
from app.core.state import AppState
from app.models import Region
from app.regions import repository
from app.regions.boundaries import BoundaryIndex
from app.regions.gazetteer import Gazetteer, NamedPlace, Place, Resolution, place_tags
from app.regions.schemas import MatchedPart, RegionDetail, RegionRead, ResolveCandidate, ResolveResult

CACHE_KEY = "gazetteer"
BOUNDARIES = "boundaries"


def code_or_422(code: str, field: str = "code") -> str:
    if not is_region_code(code):
        raise AppError("region_code_invalid", 422, field_errors=[{"field": field, "code": "region_code_invalid"}])
    return code


async def existing(session: AsyncSession, code: str, field: str = "region_code") -> Region:
    """A region named in a request: a 422 naming the field when the code is malformed or unknown."""
    code_or_422(code, field)
    region = await repository.get(session, code)
    if region is None:
        raise AppError("region_not_found", 422, code=code, field_errors=[{"field": field, "code": "region_not_found"}])
    return region


async def region_or_422(ctx: Ctx, code: str, field: str = "region_code") -> None:
    """A community named in a request (people are registered, and apply, in a community)."""
    region = await repository.get(ctx.session, code)
    if region is None:
        raise AppError("region_not_found", 422, code=code, field_errors=[{"field": field, "code": "region_not_found"}])
    if region.level != "community":
        raise AppError("region_not_community", 422, code=code,
                       field_errors=[{"field": field, "code": "region_not_community"}])


async def search(session: AsyncSession, *, q: str | None, parent: str | None, level: str | None,
                 after: str | None, limit: int) -> list[Region]:
    if parent is not None:
        await existing(session, parent, "parent")
    return await repository.search(session, q=q, parent=parent, level=level, after=after, limit=limit)


async def detail(session: AsyncSession, code: str) -> RegionDetail:
    code_or_422(code)
    region = await repository.get(session, code)
    if region is None:
        raise NotFound("region_not_found", code=code)
    path = await repository.path_to_root(session, region)
    return RegionDetail(**RegionRead.model_validate(region).model_dump(),
                        path=[RegionRead.model_validate(r) for r in path],
                        children_count=await repository.count_children(session, code))


async def set_places(ctx: Ctx, code: str, places: list[str]) -> Region:
    code_or_422(code)
    region = await repository.get(ctx.session, code)
    if region is None:
        raise NotFound("region_not_found", code=code)
    if region.level in ("province", "city"):
        raise AppError("places_level_invalid", 422, field_errors=[{"field": "code", "code": "places_level_invalid"}])
    before = list(region.places or [])
    region.places = list(dict.fromkeys(places))
    audit.record(ctx.session, at=ctx.now, action="region.places", actor_user_id=ctx.principal.user_id,
                 target_type="region", target_id=None, detail={"code": code, "before": before,
                                                               "after": region.places})
    after_commit(ctx.session, "gazetteer", lambda: invalidate(ctx.state))
    return region


async def gazetteer(state: AppState, session: AsyncSession) -> Gazetteer:
    async def load() -> Gazetteer:
        rows = await repository.all_regions(session)
        named = [NamedPlace(kind=p.kind, name=p.name, community_code=p.community_code, aliases=tuple(p.aliases or ()),
                            road=p.road, number_from=p.number_from, number_to=p.number_to, parity=p.parity,
                            tags=place_tags(p.note), verified=p.verified)
                 for p in await repository.active_places(session)]
        return Gazetteer.build([Place(r.code, r.name, r.level, r.parent_code, tuple(r.aliases or ()),
                                      tuple(r.places or ())) for r in rows], named)

    found: Gazetteer = await state.cache.get(CACHE_KEY, load)
    return found


def invalidate(state: AppState) -> None:
    state.cache.invalidate(CACHE_KEY, BOUNDARIES)


async def boundaries(state: AppState, session: AsyncSession) -> BoundaryIndex:
    """The community polygons in a spatial index, cached like the gazetteer."""
    async def load() -> BoundaryIndex:
        return BoundaryIndex({b.community_code: b.geometry for b in await repository.boundaries(session)})

    found: BoundaryIndex = await state.cache.get(BOUNDARIES, load)
    return found


async def community_at(state: AppState, session: AsyncSession, lat: float, lng: float) -> str | None:
    """The community whose boundary holds the point (None without boundaries there)."""
    return (await boundaries(state, session)).locate(lat, lng)


async def resolve(state: AppState, session: AsyncSession, address: str) -> Resolution:
    return (await gazetteer(state, session)).resolve(address)


async def resolve_or_422(state: AppState, session: AsyncSession, address: str) -> ResolveResult:
    g = await gazetteer(state, session)
    result = g.resolve(address)
    if result.region_code is None and not result.candidates:
        raise AppError("address_unresolved", 422, field_errors=[{"field": "address", "code": "address_unresolved"}])
    return present(g, result)


def present(g: Gazetteer, r: Resolution) -> ResolveResult:
    def full_path(code: str) -> str:
        return "".join(g.places[c].name for c in reversed(g.path(code)) if g.places[c].level != "province")

    reasons = dict(r.reasons)
    return ResolveResult(
        region_code=r.region_code, name=r.name, level=r.level, confidence=r.confidence, ambiguous=r.ambiguous,
        matched=[MatchedPart(text=m.text, region_code=m.code, kind=m.kind) for m in r.matched],
        candidates=[ResolveCandidate(region_code=c, name=g.places[c].name, level=g.places[c].level,
                                     path=full_path(c), reason=reasons.get(c)) for c in r.candidates],
        match=r.match,
    )
