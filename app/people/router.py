"""HTTP for the resident register."""

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse

from app.core.concurrency import IfMatch, etag
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, NotFound
from app.core.pagination import MAX_LIMIT, Page, decode_id_cursor, encode_cursor
from app.people import repository, service
from app.people import schemas as s

router = APIRouter(prefix="/people", tags=["people"], route_class=UnitOfWorkRoute)


def _json(read: s.PersonRead, status: int = 200) -> JSONResponse:
    return JSONResponse(read.model_dump(mode="json"), status_code=status, headers={"ETag": etag(read.version)})


@router.post("", response_model=s.PersonRead, status_code=201,
             summary="Register a person (staff): the ID number is checked, stored encrypted, answered masked",
             description="Birth date and sex are read from the ID number. A number already in the register is a "
                         "409 naming the existing person.")
async def create(ctx: CtxDep, body: s.PersonCreate) -> JSONResponse:
    person = await service.create(ctx, body)
    return _json(await service.present(ctx, person), 201)


@router.get("", response_model=Page[s.PersonSummary], summary="People in the caller's area (staff; masked)")
async def search(ctx: CtxDep, region: Annotated[str | None, Query(pattern=r"^\d{1,12}$")] = None,
                 name: Annotated[str | None, Query(min_length=1, max_length=64)] = None,
                 cursor: str | None = None,
                 limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[s.PersonSummary]:
    if not service.is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    visible = await repository.search(ctx.session, region_prefixes=(service.scope_prefix(ctx), region), name=name,
                                      after_id=decode_id_cursor(cursor) or 0, limit=limit + 1)
    today = ctx.today
    return Page(items=[service.summary(p, today) for p in visible[:limit]],
                next_cursor=encode_cursor([visible[limit - 1].id]) if len(visible) > limit else None)


@router.post("/lookup", response_model=s.PersonRead, summary="Find a person by ID number (staff; audited)",
             description="A POST so the number stays out of URLs and logs.")
async def lookup(ctx: CtxDep, body: s.PersonLookup) -> JSONResponse:
    return _json(await service.present(ctx, await service.lookup(ctx, body.id_number)))


@router.get("/me", response_model=s.PersonRead, summary="The register entry bound to the caller's account")
async def me(ctx: CtxDep) -> JSONResponse:
    person = await service.own_person(ctx)
    if person is None:
        raise NotFound("person_not_bound")
    return _json(await service.present(ctx, person, relation="self"))


@router.post("/me", response_model=s.PersonRead, status_code=201,
             summary="Bind the caller's account to its real identity (residents, volunteers)")
async def bind(ctx: CtxDep, body: s.PersonBind) -> JSONResponse:
    person = await service.bind(ctx, body)
    return _json(await service.present(ctx, person, relation="self"), 201)


@router.get("/{person_id}", response_model=s.PersonRead,
            summary="One person: staff in scope (audited), the person, or their household")
async def read(ctx: CtxDep, person_id: int) -> JSONResponse:
    person, relation = await service.visible(ctx, person_id)
    if relation is None:
        service.audit_read(ctx, person)
    return _json(await service.present(ctx, person, relation=relation))


@router.patch("/{person_id}", response_model=s.PersonRead, summary="Correct contact or residence (staff, If-Match)")
async def update(ctx: CtxDep, person_id: int, body: s.PersonUpdate, version: IfMatch) -> JSONResponse:
    person = await service.update(ctx, person_id, body, version)
    return _json(await service.present(ctx, person))


@router.post("/{person_id}/reveal", response_model=s.IdentityRead,
             summary="The full ID number and phone, with a reason (staff in scope, or the person; audited)")
async def reveal(ctx: CtxDep, person_id: int, body: s.RevealBody) -> s.IdentityRead:
    return await service.reveal(ctx, person_id, body.reason)


@router.post("/{person_id}/flags", response_model=s.PersonRead, status_code=201,
             summary="Record a status with its source and date (staff); it replaces an active one of its kind")
async def add_flag(ctx: CtxDep, person_id: int, body: s.FlagIn) -> JSONResponse:
    await service.add_flag(ctx, person_id, body)
    person, _ = await service.visible(ctx, person_id)
    return _json(await service.present(ctx, person), 201)


@router.post("/{person_id}/flags/{flag_id}/end", response_model=s.PersonRead,
             summary="End a status (staff); the record stays, inactive")
async def end_flag(ctx: CtxDep, person_id: int, flag_id: int) -> JSONResponse:
    await service.end_flag(ctx, person_id, flag_id)
    person, _ = await service.visible(ctx, person_id)
    return _json(await service.present(ctx, person))


@router.post("/{person_id}/household", response_model=s.PersonRead, status_code=201,
             summary="Link a household member (staff); the inverse link is written too")
async def link(ctx: CtxDep, person_id: int, body: s.LinkCreate) -> JSONResponse:
    return _json(await service.present(ctx, await service.link(ctx, person_id, body)), 201)


@router.delete("/{person_id}/household/{relative_id}", response_model=s.PersonRead,
               summary="Remove a household link, both directions (staff)")
async def unlink(ctx: CtxDep, person_id: int, relative_id: int) -> JSONResponse:
    return _json(await service.present(ctx, await service.unlink(ctx, person_id, relative_id)))
