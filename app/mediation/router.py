"""HTTP for people's mediation: dispute types and filing; the stages go through the case actions."""

from typing import Any

from fastapi import APIRouter

from app.cases.router import create_once
from app.cases.schemas import CaseAnswer
from app.core.auth import SessionDep
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.idempotency import IdempotencyDep
from app.mediation import repository, service
from app.mediation import schemas as s
from app.people.schemas import RevealBody

router = APIRouter(prefix="/mediation", tags=["people's mediation"], route_class=UnitOfWorkRoute)


@router.get("/dispute-types", response_model=list[s.DisputeTypeRead],
            summary="The dispute types a committee takes, and those the law gives to another authority (public)")
async def dispute_types(session: SessionDep) -> list[s.DisputeTypeRead]:
    return [service.present_type(t) for t in await repository.dispute_types(session)]


@router.post("/cases", response_model=CaseAnswer, status_code=201,
             summary="File a dispute (a party, counter staff or the community; Idempotency-Key)",
             description="Refused with 422, the reason and the `routes` to take instead, when a party clearly "
                         "refuses (Art 17), the facts are a crime or a public-security offence, the dispute is "
                         "already before another authority, or the law gives it to another authority. Otherwise "
                         "routed to the people's mediation committee of the place and due within a month. Stages: "
                         "`hold_session`, `draft_agreement`, `sign_agreement`, `seal_agreement`, "
                         "`apply_confirmation`, `record_confirmation`, `fail`, `transfer` through "
                         "`POST /cases/{id}/actions/{action}`.")
async def file(ctx: CtxDep, body: s.MediationCreate, idem: IdempotencyDep) -> Any:
    return await create_once(ctx, idem, lambda: service.file(ctx, body))


@router.post("/cases/{case_id}/parties/{index}/reveal", response_model=s.PartyContact,
             summary="A party's phone, to call them (the case's staff; a reason; audited)")
async def reveal_party(ctx: CtxDep, case_id: int, index: int, body: RevealBody) -> s.PartyContact:
    return s.PartyContact(**await service.reveal_party(ctx, case_id, index, body.reason))
