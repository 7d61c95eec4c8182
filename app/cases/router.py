"""HTTP for the case spine: parse, authorise, call the service."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Union

from fastapi import APIRouter, Body, Depends, Query, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse
from pydantic import ValidationError
from pydantic.json_schema import SkipJsonSchema

from app.cases import export, search_repository, service
from app.cases.kinds import installed
from app.cases.schemas import ACTION_BODIES, CaseAnswer, CaseCreate, CaseQuery, CaseSummary, CaseUpdate
from app.core.concurrency import IfMatch, etag
from app.core.context import Ctx, CtxDep
from app.core.db import UnitOfWorkRoute, id_of
from app.core.errors import AppError, field_errors_of
from app.core.idempotency import Idempotency, IdempotencyDep
from app.core.pagination import MAX_LIMIT, CountedPage, decode_cursor, encode_cursor
from app.core.ratelimit import limit_reports

router = APIRouter(prefix="/cases", tags=["cases"], route_class=UnitOfWorkRoute)

STATUSES = {"received", "dispatched", "signed", "in_progress", "return_review", "replied", "closed", "withdrawn"}



async def created(ctx: Ctx, case: Any, idem: Any) -> JSONResponse:
    """Any intake's answer: the new case with its ETag and Location, kept for an idempotent replay."""
    read = await service.present(ctx, await service.load_visible(ctx, case.id))
    return await idem.respond(read, 201, headers={"ETag": etag(read.version),
                                                                        "Location": f"/cases/{read.id}"})


async def create_once(ctx: Ctx, idem: Idempotency, create: Callable[[], Awaitable[Any]]) -> Any:
    """Any intake: a repeated Idempotency-Key answers the first answer again; otherwise `create` makes the case."""
    if (replay := await idem.claim()) is not None:
        return replay
    return await created(ctx, await create(), idem)


def _with_etag(case: CaseAnswer, status: int = 200) -> Response:
    # Serialised by pydantic's own encoder in one pass (no dict of the case, then json.dumps of the dict).
    return Response(case.model_dump_json(), status_code=status, media_type="application/json",
                    headers={"ETag": etag(case.version)})


@router.post("", status_code=201, response_model=CaseAnswer,
             summary="Create a case (generic path; kinds add their own intake)",
             dependencies=[Depends(limit_reports)])
async def create(ctx: CtxDep, body: CaseCreate, idem: IdempotencyDep) -> Any:
    return await create_once(ctx, idem, lambda: service.create_case(ctx, body))


def _listed(value: str | None) -> list[str]:
    return [x for x in (value or "").split(",") if x]


async def _query(
    number: Annotated[str | None, Query(max_length=32, description="the case number, exactly")] = None,
    q: Annotated[str | None, Query(min_length=1, max_length=100,
                                   description="words of the description, address or reply, every one "
                                               "required (cut like callers' words)")] = None,
    status: Annotated[str | None, Query(description="comma-separated statuses")] = None,
    urgency: Annotated[str | None, Query(description="comma-separated: normal, urgent, critical")] = None,
    kind: Annotated[str | None, Query(max_length=16)] = None,
    category: Annotated[str | None, Query(max_length=64, description="a category, or a group and all under it")]
    = None,
    region: Annotated[str | None, Query(description="a place (12 digits) and everything under it")] = None,
    unit: Annotated[int | None, Query(description="cases where this unit is lead or co-handler")] = None,
    overdue: bool | None = None,
    chased: bool | None = None,
    supervised: bool | None = None,
    due_before: Annotated[str | None, Query(max_length=40)] = None,
    created_from: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD or a timestamp")] = None,
    created_to: Annotated[str | None, Query(max_length=40, description="YYYY-MM-DD (inclusive) or a timestamp")]
    = None,
    updated_from: Annotated[str | None, Query(max_length=40)] = None,
    updated_to: Annotated[str | None, Query(max_length=40)] = None,
) -> CaseQuery:
    try:
        return CaseQuery.model_validate({
            "number": number, "q": q, "status": _listed(status), "urgency": _listed(urgency), "kind": kind,
            "category": category, "region": region, "unit": unit, "overdue": overdue, "chased": chased,
            "supervised": supervised, "due_before": due_before, "created_from": created_from,
            "created_to": created_to, "updated_from": updated_from, "updated_to": updated_to})
    except ValidationError as exc:
        raise AppError("validation_failed", 422, field_errors=field_errors_of(exc, "query.", depth=1)) from exc


QueryDep = Annotated[CaseQuery, Depends(_query)]


async def _filter(ctx: CtxDep, query: QueryDep) -> search_repository.CaseFilter:
    return await service.case_filter(ctx, query)


FilterDep = Annotated[search_repository.CaseFilter, Depends(_filter)]
CURSOR_PHASES = ("e", "d", "n", "c", "u")


async def _page(ctx: Ctx, f: search_repository.CaseFilter, *, sort: str, cursor: str | None, limit: int,
                count: bool) -> CountedPage[CaseSummary]:
    keys = decode_cursor(cursor, 3) if cursor else None
    if keys and keys[0] not in CURSOR_PHASES:
        raise AppError("cursor_invalid", 400)
    items, next_key, total = await service.search(ctx, f, sort=sort, cursor=keys, limit=limit, count=count)
    return CountedPage(items=items, next_cursor=encode_cursor(next_key) if next_key else None, total=total)


@router.get("", response_model=CountedPage[CaseSummary], summary="Find cases the caller may see (work queue)",
            description="Every filter is optional and they combine. `q` is full text over the description, address "
                        "and reply (Chinese cut into words). `sort=due` puts open emergencies first. `count=true` "
                        "adds `total`: exact up to 10,000 (1,000 with `q`), an estimate (`exact: false`) beyond. To "
                        "find a caller's cases by phone, use `POST /cases/search`, which keeps the number out of URLs.")
async def list_cases(
    ctx: CtxDep, f: FilterDep,
    sort: Annotated[str, Query(pattern="^(due|created|updated)$")] = "due",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    count: bool = False,
) -> CountedPage[CaseSummary]:
    return await _page(ctx, f, sort=sort, cursor=cursor, limit=limit, count=count)


@router.post("/search", response_model=CountedPage[CaseSummary],
             summary="Find cases with the filters in the body, the caller's phone among them")
async def search_cases(ctx: CtxDep, body: CaseQuery) -> CountedPage[CaseSummary]:
    f = await service.case_filter(ctx, body)
    return await _page(ctx, f, sort=body.sort, cursor=body.cursor, limit=body.limit, count=body.count)


@router.get("/export", summary="CSV of the cases a filter selects (streamed; phones masked; audited)",
            response_class=StreamingResponse,
            responses={200: {"content": {"text/csv": {}}, "description": "UTF-8 CSV with a byte-order mark"}})
async def export_cases(ctx: CtxDep, request: Request, f: FilterDep) -> StreamingResponse:
    scope = service.export_scope(ctx, f)
    filename = f"cases-{ctx.now.strftime('%Y%m%dT%H%M%SZ')}.csv"
    return StreamingResponse(export.stream(request.app.state, scope, f, ctx.now), media_type="text/csv",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"'})


@router.get("/{case_id}", response_model=CaseAnswer, summary="A case with assignments, timeline, allowed actions")
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


@router.patch("/{case_id}", response_model=CaseAnswer, summary="Change category, location or urgency (re-routes)")
async def update_case(ctx: CtxDep, case_id: int, body: CaseUpdate, version: IfMatch) -> Response:
    case = await service.update(ctx, case_id, body, version)
    return _with_etag(await service.present(ctx, await service.load_visible(ctx, id_of(case))))


async def _act(ctx: Ctx, case_id: int, action: str, raw: dict[str, Any] | None, version: int | None,
               idem: Idempotency) -> Any:
    if (replay := await idem.claim()) is not None:  # a unit's system retrying after a lost answer
        return replay
    case = await service.perform(ctx, case_id, action, raw, version)
    read = await service.after_action(ctx, id_of(case))
    return await idem.respond(read, 200, headers={"ETag": etag(read.version)})


async def _seen(ctx: CtxDep, case_id: int) -> int:
    """Whoever may not see the case is answered 404 before anything of the request is looked at (its body)."""
    await service.load_visible(ctx, case_id, with_children=False)
    return case_id


def _action_route(name: str, body_model: Any, who: str) -> Callable[..., Awaitable[Any]]:
    async def endpoint(ctx: CtxDep, case_id: Annotated[int, Depends(_seen)], version: IfMatch,
                       idem: IdempotencyDep,
                       body: Annotated[body_model | None, Body()] = None) -> Any:
        raw = body if isinstance(body, dict) or body is None else body.model_dump(mode="json", exclude_unset=True)
        return await _act(ctx, case_id, name, raw, version, idem)

    endpoint.__name__ = f"act_{name}"
    return endpoint


def action_router() -> APIRouter:
    """One route per action, each with its own body schema (a generated client types them): the lifecycle's
    actions, then each installed kind's stage actions (an action two kinds share takes either kind's body).
    Built when the application is assembled, after the kinds are installed."""
    actions = APIRouter(prefix="/cases", tags=["case actions"], route_class=UnitOfWorkRoute)
    bodies: dict[str, list[Any]] = {name: [model] for name, model in ACTION_BODIES.items()}
    owners: dict[str, list[str]] = {name: ["every kind"] for name in ACTION_BODIES}
    for kind in installed():
        for name, model in kind.stage_bodies.items():
            if model not in bodies.setdefault(name, []):
                bodies[name].append(model)
            owners.setdefault(name, []).append(kind.name)
    for name, models in bodies.items():
        # Two kinds' bodies: the schema offers either, but the case's own kind decides which one is checked, so
        # the errors name that kind's fields (the union alone would report every member's errors, named by class).
        body_model: Any = models[0] if len(models) == 1 else Union[(*models, SkipJsonSchema[dict[str, Any]])]  # noqa: UP007
        actions.add_api_route(
            f"/{{case_id}}/actions/{name}", _action_route(name, body_model, ", ".join(owners[name])),
            methods=["POST"], response_model=CaseAnswer, name=f"act_{name}",
            summary=f"{name} ({', '.join(owners[name])}; If-Match required)",
            description=ACTION_DESCRIPTIONS.get(name, "") + " The lifecycle table decides who may act, and when; "
                        "anything else is a 409 listing the allowed actions.")

    @actions.post("/{case_id}/actions/{action}", include_in_schema=False)
    async def unknown(ctx: CtxDep, case_id: int, action: str) -> Any:
        raise AppError("action_unknown", 404, action=action)

    return actions


ACTION_DESCRIPTIONS = {
    "dispatch": "The centre dispatches a case it held: the router decides, unless a lead is named.",
    "direct_answer": "The centre answers directly (直办) from an article of the case's category.",
    "sign": "The unit signs for the case (签收).",
    "return": "The lead returns the case to the centre within the return window, with the legal basis.",
    "request_extension": "The lead asks for more working days before the due; the centre decides.",
    "reply": "The lead answers the requester; the callback falls due.",
    "callback": "The centre calls the requester back (回访) and records what they said.",
    "rate": "The requester rates the reply in the app.",
}
