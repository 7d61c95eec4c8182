"""HTTP for social aid: the eligibility check, applications, the applicant's view."""

from typing import Any

from fastapi import APIRouter

from app.aid import schemas as s
from app.aid import service
from app.cases.router import create_once
from app.cases.schemas import CaseAnswer
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.idempotency import IdempotencyDep

router = APIRouter(prefix="/aid", tags=["social aid"], route_class=UnitOfWorkRoute)


@router.post("/eligibility", response_model=s.AidEligibilityRead,
             summary="Check a household against the district's line and limits (creates nothing)",
             description="低保: per-capita monthly income below the line in force today, savings, vehicles "
                         "and homes within the limits. 特困: no capacity to work (60+, under 16 or severely "
                         "disabled), no income, no able supporter. 临时救助: an emergency, or an expense the "
                         "household cannot bear. Every condition is answered, passed or not.")
async def eligibility(ctx: CtxDep, body: s.Household) -> s.AidEligibilityRead:
    result, line, kept = await service.check(ctx, body)
    return service.present(result, body.scheme, line, len(kept))


@router.post("/applications", response_model=CaseAnswer, status_code=201,
             summary="Apply (the applicant, or counter staff for them; Idempotency-Key)",
             description="Filed at the place of household registration and routed to its 街道民政服务站. The whole "
                         "process is due in 25 working days (extendable to 40); stages go through "
                         "`POST /cases/{id}/actions/{action}`.")
async def apply(ctx: CtxDep, body: s.Household, idem: IdempotencyDep) -> Any:
    return await create_once(ctx, idem, lambda: service.apply(ctx, body))


@router.get("/applications/{case_id}", response_model=s.AidTrack,
            summary="The applicant's view: stage, missing materials, the notice, the decision, the steps")
async def track(ctx: CtxDep, case_id: int) -> s.AidTrack:
    return await service.track(ctx, case_id)
