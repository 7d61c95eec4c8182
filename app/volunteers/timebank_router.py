"""HTTP for the time bank."""

from fastapi import APIRouter, Request

from app.cases.router import request_ctx
from app.core.auth import ClockDep, CurrentUser, SessionDep
from app.core.db import UnitOfWorkRoute
from app.volunteers import schemas as s
from app.volunteers import timebank

router = APIRouter(prefix="/timebank", tags=["time bank"], route_class=UnitOfWorkRoute)


def _result(entries: list, *, own_side: bool = True) -> s.LedgerResult:  # type: ignore[type-arg]
    """The entries written, and the caller's balance after them (the first entry is the caller's side)."""
    return s.LedgerResult(entries=[timebank.entry_dict(e) for e in entries],
                          balance_hours=round(entries[0].balance_after / 60, 2) if own_side and entries else None)


@router.get("/accounts/{person_id}", response_model=s.AccountRead,
            summary="A person's hours and latest entries (the person, their household, staff in the area)")
async def account(person_id: int, request: Request, session: SessionDep, principal: CurrentUser,
                  clock: ClockDep) -> s.AccountRead:
    return await timebank.read_account(request_ctx(request, session, principal, clock), person_id)


@router.post("/transfers", response_model=s.LedgerResult, status_code=201,
             summary="Give own hours to the spouse or a relative aged 60+ (from the register)")
async def transfer(body: s.TransferCreate, request: Request, session: SessionDep, principal: CurrentUser,
                   clock: ClockDep) -> s.LedgerResult:
    return _result(await timebank.transfer(request_ctx(request, session, principal, clock), body))


@router.post("/donations", response_model=s.LedgerResult, status_code=201,
             summary="Donate hours to the community pool (team hours can only go this way)")
async def donate(body: s.DonationCreate, request: Request, session: SessionDep, principal: CurrentUser,
                 clock: ClockDep) -> s.LedgerResult:
    return _result(await timebank.donate(request_ctx(request, session, principal, clock), body))


@router.post("/redemptions", response_model=s.LedgerResult, status_code=201,
             summary="Pay for the holder's own eldercare order with hours (never cash)")
async def redeem(body: s.RedemptionCreate, request: Request, session: SessionDep, principal: CurrentUser,
                 clock: ClockDep) -> s.LedgerResult:
    entry, _ = await timebank.redeem(request_ctx(request, session, principal, clock), body)
    return _result([entry])


@router.post("/deposits", response_model=s.LedgerResult, status_code=201,
             summary="Bank a completed task's certified hours (the organiser; tasks marked for the time bank)")
async def deposit(body: s.DepositCreate, request: Request, session: SessionDep, principal: CurrentUser,
                  clock: ClockDep) -> s.LedgerResult:
    entries = await timebank.deposit_task(request_ctx(request, session, principal, clock), body.task_id)
    return _result(entries, own_side=False)
