"""Address resolution against the stored gazetteer, cached like other reference data."""

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.regions import repository
from app.regions.resolve import Gazetteer, Place, Resolution
from app.regions.schemas import MatchedPart, ResolveCandidate, ResolveResult

CACHE_KEY = "gazetteer"


async def gazetteer(state: Any, session: AsyncSession) -> Gazetteer:
    async def load() -> Gazetteer:
        rows = await repository.all_regions(session)
        return Gazetteer.build([Place(r.code, r.name, r.level, r.parent_code, tuple(r.aliases or ()),
                                      tuple(r.places or ())) for r in rows])

    return await state.cache.get(CACHE_KEY, load)


def invalidate(state: Any) -> None:
    state.cache.invalidate(CACHE_KEY)


async def resolve(state: Any, session: AsyncSession, address: str) -> Resolution:
    return (await gazetteer(state, session)).resolve(address)


def present(g: Gazetteer, r: Resolution) -> ResolveResult:
    def full_path(code: str) -> str:
        return "".join(g.places[c].name for c in reversed(g.path(code)) if g.places[c].level != "province")

    return ResolveResult(
        region_code=r.region_code, name=r.name, level=r.level, confidence=r.confidence, ambiguous=r.ambiguous,
        matched=[MatchedPart(text=m.text, region_code=m.code, kind=m.kind) for m in r.matched],
        candidates=[ResolveCandidate(region_code=c, name=g.places[c].name, level=g.places[c].level,
                                     path=full_path(c)) for c in r.candidates],
    )
