"""HTTP for the hotline: intake, residents' reports, classification, duplicates, caller history."""

from typing import Any

from fastapi import APIRouter, Depends

from app.cases import service as cases
from app.cases.schemas import CaseSummary, ResidentCaseRead
from app.core.concurrency import etag
from app.core.context import Ctx, CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError
from app.core.idempotency import Idempotency, IdempotencyDep
from app.core.pagination import Page, decode_cursor, encode_cursor
from app.core.ratelimit import limit_reports
from app.core.roles import Role
from app.hotline import service
from app.hotline.schemas import (
    CallerHistoryQuery,
    ClassifyRequest,
    ClassifyResult,
    HotlineOrderCreate,
    OrderRead,
    ReportCreate,
    SimilarCase,
)

router = APIRouter(tags=["hotline"], route_class=UnitOfWorkRoute)
AGENTS = {Role.agent, Role.dispatcher}


async def _intake(ctx: Ctx, body: HotlineOrderCreate | ReportCreate, idem: Idempotency) -> Any:
    if (replay := await idem.claim()) is not None:
        return replay
    order = await service.intake(ctx, body)
    return await idem.respond(order, 201,
                              headers={"ETag": etag(order.version), "Location": f"/cases/{order.id}"})


@router.post("/hotline/orders", status_code=201, response_model=OrderRead,
             summary="Log a call: checked, placed, classified, routed and dispatched in one request",
             description="The five elements are checked (who: the caller's number; where: address, community or "
                         "coordinates with an address; what and how: the description). A missing category is "
                         "the classifier's first choice (`intake.category_suggested`); a missing community is "
                         "resolved from the address. `hold` keeps it at the centre; `answer_with_article` answers "
                         "it directly from the knowledge base. Send an `Idempotency-Key`: a double click "
                         "returns the first answer.")
async def log_order(ctx: CtxDep, body: HotlineOrderCreate, idem: IdempotencyDep) -> Any:
    if ctx.principal.role not in AGENTS:
        raise AppError("forbidden", 403)
    return await _intake(ctx, body, idem)


@router.post("/reports", status_code=201, response_model=ResidentCaseRead,
             summary="A resident reports a matter from the app or the web (routed like a call)",
             dependencies=[Depends(limit_reports)])
async def report(ctx: CtxDep, body: ReportCreate, idem: IdempotencyDep) -> Any:
    if ctx.principal.role != Role.resident:
        raise AppError("forbidden", 403)
    return await _intake(ctx, body, idem)


@router.post("/hotline/classify", response_model=ClassifyResult,
             summary="Top 3 categories for a caller's words, with the words that drove each",
             description="Words are cut with jieba; a linear SVM over TF-IDF of words, word pairs, characters "
                         "and the categories of seed/classifier/lexicon.yaml terms found in the text, trained "
                         "from seed/classifier and the seed's category texts, ranks the categories. `score` is "
                         "a softmax over the margins: it ranks, it is not a calibrated probability.")
async def classify(ctx: CtxDep, body: ClassifyRequest) -> ClassifyResult:
    if ctx.principal.role not in AGENTS | {Role.admin, Role.resident}:
        raise AppError("forbidden", 403)
    suggestions = await service.classify(ctx, body.text)
    found = service.recognise(ctx.state, body.text, suggestions[0].category.code if suggestions else None)
    return ClassifyResult(suggestions=suggestions, emergency=service.present_emergency(found))


@router.get("/cases/{case_id}/similar", response_model=list[SimilarCase],
            summary="Open cases that may be the same matter (same category, same community or within 250 m)")
async def similar(ctx: CtxDep, case_id: int) -> list[SimilarCase]:
    if ctx.principal.role not in AGENTS | {Role.admin}:
        raise AppError("forbidden", 403)
    return await service.similar_to(ctx, await cases.load_visible(ctx, case_id))


@router.post("/hotline/callers/orders", response_model=Page[CaseSummary],
             summary="Earlier orders from the same number (found through a keyed hash, never the clear number)",
             description="The number travels in the body, not the URL, so it stays out of access logs, proxies "
                         "and browser history. Agents and dispatchers.")
async def caller_orders(ctx: CtxDep, body: CallerHistoryQuery) -> Page[CaseSummary]:
    before = decode_cursor(body.cursor, 1) if body.cursor else None
    items, next_id = await service.caller_orders(ctx, body.phone,
                                                 int(before[0]) if before else None, body.limit)
    return Page(items=items, next_cursor=encode_cursor([next_id]) if next_id else None)
