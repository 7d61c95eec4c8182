"""HTTP for one-stop affairs: the service guide, applications, the applicant's view, the bad-credit list."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from fastapi.responses import JSONResponse

from app.affair import guide, repository, service
from app.affair import schemas as s
from app.cases import service as cases
from app.cases.router import create_once
from app.cases.schemas import CaseAnswer
from app.core import audit
from app.core.auth import AdminUser, ClockDep, SessionDep
from app.core.concurrency import etag, parse_if_match
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute, after_commit
from app.core.errors import AppError
from app.core.idempotency import IdempotencyDep
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor

router = APIRouter(prefix="/affairs", tags=["affairs"], route_class=UnitOfWorkRoute)


def _item_response(read: s.ServiceItemRead, status: int = 200) -> JSONResponse:
    return JSONResponse(read.model_dump(mode="json"), status_code=status, headers={"ETag": etag(read.version)})


async def _changed(request: Request, session: SessionDep, by: int, now: datetime, action: str, item: Any,
                   status: int = 200) -> JSONResponse:
    """Every change to the guide is audited and refreshes the cached guide once it commits."""
    audit.record(session, at=now, action=f"service_item.{action}", actor_user_id=by, target_type="service_item",
                 target_id=item.code, detail={"version": item.version})
    after_commit(session, "service_guide", lambda: guide.invalidate(request.app.state))
    return _item_response(await guide.present(request.app.state, session, item), status)


@router.get("/life-events", response_model=list[s.NamedCode], summary="Life events the guide is browsed by")
async def life_events(session: SessionDep) -> list[s.NamedCode]:
    return [s.NamedCode(code=e.code, name=e.name, name_en=e.name_en) for e in await repository.life_events(session)]


@router.get("/items", response_model=s.ItemPage, summary="Search the service guide (public)",
            description="`q` is cut into words (jieba) and ranked with BM25 over each item's name, keywords "
                        "(weighted), applicants, conditions and materials; without `q` items come by code. "
                        "`category` takes a leaf or a group code; `life_event` a code of /affairs/life-events.")
async def list_items(request: Request, session: SessionDep,
                     q: Annotated[str | None, Query(max_length=100)] = None,
                     category: Annotated[str | None, Query(max_length=64)] = None,
                     life_event: Annotated[str | None, Query(max_length=32)] = None,
                     cursor: str | None = None,
                     limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20) -> s.ItemPage:
    if life_event and life_event not in {e.code for e in await repository.life_events(session)}:
        raise AppError("life_event_unknown", 422, code=life_event,
                       field_errors=[{"field": "life_event", "code": "life_event_unknown"}])
    after = decode_cursor(cursor, 2) if cursor else None
    if after is not None and not (isinstance(after[0], int | float) and isinstance(after[1], str)):
        raise AppError("cursor_invalid", 400)
    items, next_key = await guide.search(request.app.state, session, q=q or None, category=category,
                                         life_event=life_event, after=tuple(after) if after else None, limit=limit)
    return s.ItemPage(items=items, next_cursor=encode_cursor(list(next_key)) if next_key else None)


@router.get("/items/{code}", response_model=s.ServiceItemRead, summary="One item with materials and time limits",
            description="The current version, or `version=` for the one an application was filed under.")
async def get_item(code: str, request: Request, session: SessionDep,
                   version: Annotated[int | None, Query(ge=1)] = None) -> JSONResponse:
    item = await guide.get(session, code, version)
    return _item_response(await guide.present(request.app.state, session, item))


@router.post("/items", response_model=s.ServiceItemRead, status_code=201, summary="Add an item (administrators)")
async def create_item(body: s.ServiceItemCreate, request: Request, session: SessionDep, admin: AdminUser,
                      clock: ClockDep) -> JSONResponse:
    item = await guide.create(request.app.state, session, body, admin.user_id, clock.now())
    return await _changed(request, session, admin.user_id, clock.now(), "create", item, 201)


@router.put("/items/{code}", response_model=s.ServiceItemRead,
            summary="Publish a new version of an item (administrators, If-Match)")
async def publish_item(code: str, body: s.ServiceItemUpdate, request: Request, session: SessionDep,
                       admin: AdminUser, clock: ClockDep) -> JSONResponse:
    item = await guide.publish(request.app.state, session, code, body, parse_if_match(request), admin.user_id,
                               clock.now())
    return await _changed(request, session, admin.user_id, clock.now(), "publish", item)


@router.delete("/items/{code}", response_model=s.ServiceItemRead,
               summary="Withdraw an item (administrators, If-Match); filed applications go on")
async def withdraw_item(code: str, request: Request, session: SessionDep, admin: AdminUser,
                        clock: ClockDep) -> JSONResponse:
    item = await guide.withdraw(session, code, parse_if_match(request), admin.user_id, clock.now())
    return await _changed(request, session, admin.user_id, clock.now(), "withdraw", item)


@router.post("/applications", response_model=CaseAnswer, status_code=201,
             summary="Apply: online by a resident, or at the counter by staff for a resident (Idempotency-Key)",
             description="Key materials (required, may not come later) must be provided; missing non-key ones "
                         "may follow under 容缺受理. The application is routed to the item's handling unit in the "
                         "applicant's jurisdiction and is due by the item's promised working days. Staff filing "
                         "is recorded as 帮办 (or the `proxy` given) on the timeline.")
async def apply(ctx: CtxDep, body: s.ApplicationCreate, idem: IdempotencyDep) -> Any:
    return await create_once(ctx, idem, lambda: service.file(ctx, body))


@router.post("/applications/{case_id}/materials", response_model=CaseAnswer,
             summary="Supplement materials (the applicant, counter staff or the unit; If-Match)",
             description="Answers a returned application (一次性告知) or completes a 容缺 acceptance. When "
                         "everything asked for is in, a returned application is resubmitted and its promised "
                         "days start again; a 容缺 application becomes fully accepted.")
async def supplement(ctx: CtxDep, case_id: int, body: s.AffairSupplementBody, request: Request) -> JSONResponse:
    case = await cases.perform(ctx, case_id, "supplement", body.model_dump(mode="json"),
                               parse_if_match(request, required=False))
    read = await cases.present(ctx, await cases.load_visible(ctx, case.id))
    return JSONResponse(read.model_dump(mode="json"), headers={"ETag": etag(read.version)})


@router.get("/applications/{case_id}", response_model=s.ApplicationTrack,
            summary="The applicant's view: stage, what is missing, the promised date")
async def track(ctx: CtxDep, case_id: int) -> s.ApplicationTrack:
    return await service.track(ctx, case_id)


@router.post("/track", response_model=s.ApplicationTrack,
             summary="Track without an account: application number and the applicant's ID number",
             description="A POST so the ID number stays out of URLs, proxies' logs and browser history. Any "
                         "mismatch is the same 404.")
async def track_public(body: s.TrackRequest, request: Request, session: SessionDep) -> s.ApplicationTrack:
    return await service.track_public(request.app.state, session, body.number, body.id_number)


@router.post("/credit-flags", response_model=s.CreditFlagRead, status_code=201,
             summary="Put a person on the bad-credit list 容缺 consults (administrators)")
async def add_credit_flag(body: s.CreditFlagCreate, request: Request, session: SessionDep, admin: AdminUser,
                          clock: ClockDep) -> s.CreditFlagRead:
    return service.present_flag(await service.add_credit_flag(request.app.state, session, body, admin.user_id,
                                                               clock.now()))


@router.get("/credit-flags", response_model=Page[s.CreditFlagRead], summary="The bad-credit list (administrators)")
async def list_credit_flags(session: SessionDep, admin: AdminUser, cursor: str | None = None,
                            limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50) -> Page[s.CreditFlagRead]:
    after = decode_cursor(cursor, 1) if cursor else None
    rows = await repository.credit_flags(session, after_id=int(after[0]) if after else 0, limit=limit + 1)
    return Page(items=[service.present_flag(f) for f in rows[:limit]],
                next_cursor=encode_cursor([rows[limit - 1].id]) if len(rows) > limit else None)


@router.delete("/credit-flags/{flag_id}", response_model=s.CreditFlagRead,
               summary="Lift a flag (administrators); the record stays, inactive")
async def lift_credit_flag(flag_id: int, session: SessionDep, admin: AdminUser, clock: ClockDep) -> s.CreditFlagRead:
    return service.present_flag(await service.lift_credit_flag(session, flag_id, admin.user_id, clock.now()))
