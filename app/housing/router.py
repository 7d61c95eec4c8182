"""HTTP for residence registration of rental housing: filing, the registration, months registered."""

from typing import Any

from fastapi import APIRouter

from app.cases.router import create_once
from app.cases.schemas import CaseAnswer
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.idempotency import IdempotencyDep
from app.housing import schemas as s
from app.housing import service

router = APIRouter(prefix="/housing", tags=["rental housing"], route_class=UnitOfWorkRoute)


@router.post("/registrations", response_model=CaseAnswer, status_code=201,
             summary="File a tenancy for residence registration (landlord or tenant, the counter or the community; "
                      "Idempotency-Key)",
             description="Routed to the community of the rented home, which verifies it within the place's limit "
                         "and issues the registration certificate: stages `verify`, `reject`, `extend` (续租) and "
                         "`end_early` (退租) through `POST /cases/{id}/actions/{action}`. The tenants are reminded "
                         "before the tenancy ends, and the registration lapses when it has ended.")
async def file(ctx: CtxDep, body: s.TenancyCreate, idem: IdempotencyDep) -> Any:
    return await create_once(ctx, idem, lambda: service.file(ctx, body))


@router.get("/registrations/{case_id}", response_model=s.RegistrationRead,
            summary="A registration: its stage, certificate, dates, and each tenant's months registered")
async def registration(ctx: CtxDep, case_id: int) -> s.RegistrationRead:
    return await service.registration(ctx, case_id)


@router.get("/residence/me", response_model=s.ResidenceRead,
            summary="The caller's own months of continuous registration, against the residence-permit requirement")
async def my_residence(ctx: CtxDep) -> s.ResidenceRead:
    return await service.my_residence(ctx)


@router.post("/residence/lookup", response_model=s.ResidenceRead,
             summary="A person's months of continuous registration, by identity number (staff; a reason; audited)")
async def lookup_residence(ctx: CtxDep, body: s.ResidenceLookup) -> s.ResidenceRead:
    return await service.lookup_residence(ctx, body)
