"""HTTP for the case spine: parse, authorise, call the service."""

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from app.cases import export, repository, service
from app.cases.schemas import CaseCreate, CaseRead, CaseSummary, CaseUpdate
from app.core.concurrency import IfMatch, etag
from app.core.context import Ctx, CtxDep
from app.core.db import UnitOfWorkRoute, id_of
from app.core.errors import AppError
from app.core.idempotency import IdempotencyDep
from app.core.pagination import MAX_LIMIT, Page, decode_cursor, encode_cursor
from app.core.ratelimit import limit_reports

router = APIRouter(prefix="/cases", tags=["cases"], route_class=UnitOfWorkRoute)

STATUSES = {"received", "dispatched", "signed", "in_progress", "return_review", "replied", "closed", "withdrawn"}



async def created(ctx: Ctx, case: Any, idem: Any) -> JSONResponse:
    """Any intake's answer: the new case with its ETag and Location, kept for an idempotent replay."""
    read = await service.present(ctx, await service.load_visible(ctx, case.id))
    return await idem.respond(read, 201, headers={"ETag": etag(read.version),
                                                                        "Location": f"/cases/{read.id}"})


def _with_etag(case: CaseRead, status: int = 200) -> Response:
    # Serialised by pydantic's own encoder in one pass (no dict of the case, then json.dumps of the dict).
    return Response(case.model_dump_json(), status_code=status, media_type="application/json",
                    headers={"ETag": etag(case.version)})


@router.post("", status_code=201, response_model=CaseRead,
             summary="Create a case (generic path; kinds add their own intake)",
             dependencies=[Depends(limit_reports)])
async def create(ctx: CtxDep, body: CaseCreate, idem: IdempotencyDep) -> Any:
    if (replay := await idem.claim()) is not None:
        return replay
    return await created(ctx, await service.create_case(ctx, body), idem)


async def _case_filter(
    status: Annotated[str | None, Query(description="Comma-separated statuses")] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    category: Annotated[str | None, Query(max_length=64, description="A category or group code")] = None,
    unit: Annotated[int | None, Query(description="Cases where this unit is lead or co-handler")] = None,
    overdue: bool | None = None,
    due_before: datetime | None = None,
    created_from: datetime | None = None,
    created_to: datetime | None = None,
) -> repository.CaseFilter:
    statuses = tuple(x for x in (status or "").split(",") if x)
    unknown = [x for x in statuses if x not in STATUSES]
    if unknown:
        raise AppError("query_invalid", 422, reason=f"unknown status {unknown[0]}",
                       field_errors=[{"field": "status", "code": "enum", "message": ", ".join(sorted(STATUSES))}])
    for name, value in (("due_before", due_before), ("created_from", created_from), ("created_to", created_to)):
        if value is not None and value.tzinfo is None:
            raise AppError("query_invalid", 422, reason=f"{name} needs a UTC offset",
                           field_errors=[{"field": name, "code": "datetime_parsing"}])
    return repository.CaseFilter(status=statuses, kind=kind, category=category, unit_id=unit, overdue=overdue,
                                 due_before=due_before, created_from=created_from, created_to=created_to)


FilterDep = Annotated[repository.CaseFilter, Depends(_case_filter)]


@router.get("", response_model=Page[CaseSummary], summary="Cases the caller may see (work queue)")
async def list_cases(
    ctx: CtxDep, f: FilterDep,
    sort: Annotated[str, Query(pattern="^(due|created)$")] = "due",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
) -> Page[CaseSummary]:
    keys = decode_cursor(cursor, 3) if cursor else None
    if keys and keys[0] not in ("e", "d", "n", "c"):
        raise AppError("cursor_invalid", 400)
    items, next_key = await service.search(ctx, f, sort=sort,
                                           cursor=keys, limit=limit)
    return Page(items=items, next_cursor=encode_cursor(next_key) if next_key else None)


@router.get("/export", summary="CSV of the cases a filter selects (streamed; phones masked; audited)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte-order mark"}})
async def export_cases(ctx: CtxDep, request: Request, f: FilterDep) -> StreamingResponse:
    scope = service.export_scope(ctx, f)
    filename = f"cases-{ctx.now.strftime('%Y%m%dT%H%M%SZ')}.csv"
    return StreamingResponse(export.stream(request.app.state, scope, f, ctx.now), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{case_id}", response_model=CaseRead, summary="A case with assignments, timeline, allowed actions")
async def get_case(ctx: CtxDep, case_id: int, reveal: Annotated[str | None, Query(pattern="^contact$",
                                                       description="'contact' shows the full phone (audited)")]
                   = None,
                   reason: Annotated[str | None, Query(min_length=2, max_length=200,
                                                       description="why the full phone is needed; required with "
                                                                   "reveal=contact, kept in the audit log")]
                   = None) -> Response:
    read = await service.read(ctx, case_id,
                              reveal_contact=reveal == "contact", reason=reason)
    return _with_etag(read)


@router.patch("/{case_id}", response_model=CaseRead, summary="Change category, location or urgency (re-routes)")
async def update_case(ctx: CtxDep, case_id: int, body: CaseUpdate, version: IfMatch) -> Response:
    case = await service.update(ctx, case_id, body, version)
    return _with_etag(await service.present(ctx, await service.load_visible(ctx, id_of(case))))


@router.post("/{case_id}/actions/{action}", response_model=CaseRead,
             summary="Perform a lifecycle action (If-Match required)")
async def act(ctx: CtxDep, case_id: int, action: str, version: IfMatch, idem: IdempotencyDep,
              body: Annotated[dict[str, Any] | None, Body()] = None) -> Any:
    if (replay := await idem.claim()) is not None:  # a unit's system retrying after a lost answer
        return replay
    case = await service.perform(ctx, case_id, action, body, version)
    read = await service.after_action(ctx, id_of(case))
    return await idem.respond(read, 200, headers={"ETag": etag(read.version)})
