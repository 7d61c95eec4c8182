"""HTTP for the time bank."""

from fastapi import APIRouter

from app.core.context import CtxDep
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
async def account(ctx: CtxDep, person_id: int) -> s.AccountRead:
    return await timebank.read_account(ctx, person_id)


@router.post("/transfers", response_model=s.LedgerResult, status_code=201,
             summary="Give own hours to the spouse or a relative aged 60+ (from the register)")
async def transfer(ctx: CtxDep, body: s.TransferCreate) -> s.LedgerResult:
    return _result(await timebank.transfer(ctx, body))


@router.post("/donations", response_model=s.LedgerResult, status_code=201,
             summary="Donate hours to the community pool (team hours can only go this way)")
async def donate(ctx: CtxDep, body: s.DonationCreate) -> s.LedgerResult:
    return _result(await timebank.donate(ctx, body))


@router.post("/redemptions", response_model=s.LedgerResult, status_code=201,
             summary="Pay for the holder's own eldercare order with hours (never cash)")
async def redeem(ctx: CtxDep, body: s.RedemptionCreate) -> s.LedgerResult:
    entry, _ = await timebank.redeem(ctx, body)
    return _result([entry])


@router.post("/deposits", response_model=s.LedgerResult, status_code=201,
             summary="Bank a completed task's certified hours (the organiser; tasks marked for the time bank)")
async def deposit(ctx: CtxDep, body: s.DepositCreate) -> s.LedgerResult:
    entries = await timebank.deposit_task(ctx, body.task_id)
    return _result(entries, own_side=False)
