from typing import Annotated

from fastapi import APIRouter, Query

from app.core.auth import SessionDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, NotFound
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.core.region_codes import is_region_code, prefix_for
from app.regions import repository as regions
from app.units import repository
from app.units.schemas import UnitKindRead, UnitRead

router = APIRouter(tags=["units"], route_class=UnitOfWorkRoute)


@router.get("/unit-kinds", summary="Kinds of responsible unit")
async def list_kinds(session: SessionDep) -> dict[str, list[UnitKindRead]]:
    return {"items": [UnitKindRead.model_validate(k) for k in await repository.kinds(session)]}


@router.get("/units", response_model=Page[UnitRead], summary="Units, by kind and jurisdiction")
async def list_units(
    session: SessionDep,
    kind: Annotated[str | None, Query(max_length=48)] = None,
    region: Annotated[str | None, Query(description="Units whose jurisdiction lies in this region")] = None,
    q: Annotated[str | None, Query(max_length=40)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[UnitRead]:
    prefix = None
    if region is not None:
        if not is_region_code(region):
            raise AppError("region_code_invalid", 422,
                           field_errors=[{"field": "region", "code": "region_code_invalid"}])
        found = await regions.get(session, region)
        if found is None:
            raise AppError("region_not_found", 422, code=region,
                           field_errors=[{"field": "region", "code": "region_not_found"}])
        prefix = prefix_for(found.code, found.level)
    after = decode_cursor(cursor, 1)
    rows = await repository.search(session, kind=kind, region_prefix=prefix, q=q,
                                   after=int(after[0]) if after else None, limit=limit + 1)
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=[UnitRead.model_validate(u) for u in rows[:limit]], next_cursor=next_cursor)


@router.get("/units/{unit_id}", response_model=UnitRead, summary="One unit")
async def get_unit(unit_id: int, session: SessionDep) -> UnitRead:
    unit = await repository.get(session, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", unit_id=unit_id)
    return UnitRead.model_validate(unit)
