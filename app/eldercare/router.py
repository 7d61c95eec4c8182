"""HTTP for eldercare: eligibility, orders, candidates, visits."""

from typing import Annotated, Any

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from pydantic import AwareDatetime

from app.cases.router import create_once
from app.cases.schemas import CaseAnswer
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.idempotency import IdempotencyDep
from app.eldercare import schemas as s
from app.eldercare import service

router = APIRouter(prefix="/eldercare", tags=["eldercare"], route_class=UnitOfWorkRoute)
# The volunteer's side of eldercare: the visits they are booked for (eldercare builds on volunteers, not under).
volunteer_router = APIRouter(tags=["eldercare"], route_class=UnitOfWorkRoute)


@volunteer_router.get("/volunteers/me/visits", response_model=list[s.VolunteerVisitRead],
                      summary="Eldercare visits the caller is booked for: where, when, for whom")
async def my_visits(ctx: CtxDep) -> list[s.VolunteerVisitRead]:
    return await service.my_visits(ctx)


@router.post("/eligibility", response_model=s.CareEligibilityRead,
             summary="Would this person's care be subsidised, and why (creates nothing)",
             description="Reads the person's age and active register flags (低保, 特困, living alone, disability "
                         "grade, assessed care level) against the deployment's care policy bands.")
async def eligibility(ctx: CtxDep, body: s.EligibilityQuery) -> s.CareEligibilityRead:
    return await service.check_eligibility(ctx, body)


@router.post("/orders", response_model=CaseAnswer, status_code=201,
             summary="Order a care service for an elder (the elder, family, a community worker or an agent)",
             description="The subsidy is worked out and kept on the order with its reasons; the order is routed to "
                         "the community nearest the elder and is due by the policy's limit for the service "
                         "(hours for emergency help). Idempotency-Key supported.")
async def order(ctx: CtxDep, body: s.OrderCreate, idem: IdempotencyDep) -> Any:
    return await create_once(ctx, idem, lambda: service.order(ctx, body))


@router.get("/orders/{case_id}/candidates", response_model=s.CandidatesRead,
            summary="Volunteers ranked for the order, with reasons (staff)",
            description="Skill is required; then nearness (same community, subdistrict, district), the slots the "
                        "volunteer offered and past ratings. Minors, volunteers without the skill and those busy "
                        "at that time are left out and counted.")
async def candidates(ctx: CtxDep, case_id: int, at: AwareDatetime | None = None,
                     limit: Annotated[int, Query(ge=1, le=50)] = 10) -> s.CandidatesRead:
    return await service.candidates(ctx, case_id, at, limit)


@router.get("/orders/{case_id}/visits", response_model=list[s.VisitRead], summary="The visits of an order")
async def visits(ctx: CtxDep, case_id: int) -> list[s.VisitRead]:
    rows = await service.visits(ctx, case_id)
    return [service.present_visit(v) for v in rows]


@router.post("/visits/{visit_id}/check-in", response_model=s.VisitRead,
             summary="Check in at the home (the volunteer, the provider's staff, or the lead unit for them)")
async def check_in(ctx: CtxDep, visit_id: int, body: s.VisitCheckBody) -> s.VisitRead:
    visit = await service.check_in(ctx, visit_id, body)
    return service.present_visit(visit)


@router.post("/visits/{visit_id}/check-out", response_model=s.VisitRead,
             summary="Check out: the duration is computed; a volunteer's hours are certified and banked")
async def check_out(ctx: CtxDep, visit_id: int, body: s.VisitCheckBody) -> JSONResponse:
    visit, data = await service.check_out(ctx, visit_id, body)
    return JSONResponse({**service.present_visit(visit).model_dump(mode="json"),
                         "deposited_minutes": data.get("deposited_minutes")})


@router.post("/visits/{visit_id}/window", response_model=s.VisitRead,
             summary="Extend a visit's booked window with a reason (staff): the hours it now covers count")
async def extend_window(ctx: CtxDep, visit_id: int, body: s.WindowExtension) -> s.VisitRead:
    visit, _ = await service.extend_window(ctx, visit_id, body)
    return service.present_visit(visit)


@router.post("/visits/{visit_id}/rating", response_model=s.VisitRead,
             summary="Rate a finished visit (the elder or family; an agent on a callback)")
async def rate(ctx: CtxDep, visit_id: int, body: s.RatingBody) -> s.VisitRead:
    visit = await service.rate(ctx, visit_id, body)
    return service.present_visit(visit)
