"""HTTP for the organisation: parse, call the service."""

from typing import Annotated

from fastapi import APIRouter, Query

from app.core.auth import SessionDep
from app.core.db import UnitOfWorkRoute
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.units import service
from app.units.schemas import UnitKindRead, UnitRead

router = APIRouter(tags=["units"], route_class=UnitOfWorkRoute)


@router.get("/unit-kinds", summary="Kinds of responsible unit")
async def list_kinds(session: SessionDep) -> dict[str, list[UnitKindRead]]:
    return {"items": [UnitKindRead.model_validate(k) for k in await service.kinds(session)]}


@router.get("/units", response_model=Page[UnitRead], summary="Units, by kind and jurisdiction")
async def list_units(
    session: SessionDep,
    kind: Annotated[str | None, Query(max_length=48)] = None,
    region: Annotated[str | None, Query(description="Units whose jurisdiction lies in this region")] = None,
    q: Annotated[str | None, Query(max_length=40)] = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> Page[UnitRead]:
    after = decode_cursor(cursor, 1)
    rows = await service.search(session, kind=kind, region=region, q=q, after=int(after[0]) if after else None,
                                limit=limit + 1)
    next_cursor = encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None
    return Page(items=rows[:limit], next_cursor=next_cursor)


@router.get("/units/{unit_id}", response_model=UnitRead, summary="One unit")
async def get_unit(unit_id: int, session: SessionDep) -> UnitRead:
    return await service.get(session, unit_id)
