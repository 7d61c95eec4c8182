"""The time bank: an append-only ledger of service hours. Never commits.

Each movement is one conditional UPDATE of the balance (it refuses to go
below zero or over the cap, so concurrent redemptions cannot overdraw) and
one ledger entry carrying the balance after it, in the same transaction.
The database's CHECK constraints refuse a negative balance as a last line.
"""

from dataclasses import dataclass
from typing import Any

from app.care_policy.service import current_policy
from app.cases import repository as cases_repo
from app.cases.access import can_see
from app.cases.kinds import update_payload
from app.core import audit, overrides
from app.core.clock import age_on
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.models import Case, Person, ServiceHours, TimebankAccount, TimebankEntry
from app.people import repository as people_repo
from app.people import service as people
from app.volunteers import ledger, repository
from app.volunteers import schemas as s


@dataclass
class Move:
    account: TimebankAccount
    bucket: str
    minutes: int
    type: str
    counterparty_id: int | None = None
    service_hours_id: int | None = None
    case_id: int | None = None
    note: str | None = None


async def account_for(ctx: Ctx, person_id: int) -> TimebankAccount:
    found = await repository.account_of(ctx.session, person_id)
    if found is not None:
        return found
    return await repository.open_account(ctx.session, TimebankAccount(person_id=person_id, created_at=ctx.now),
                                         lambda: repository.account_of(ctx.session, person_id))


async def pool_for(ctx: Ctx, region_code: str) -> TimebankAccount:
    found = await repository.pool_of(ctx.session, region_code)
    if found is not None:
        return found
    return await repository.open_account(ctx.session,
                                         TimebankAccount(pool_region_code=region_code, created_at=ctx.now),
                                         lambda: repository.pool_of(ctx.session, region_code))


async def _apply(ctx: Ctx, move: Move, *, cap_total: int | None = None, refusal: str = "timebank_insufficient",
                 **params: Any) -> TimebankEntry:
    after = await repository.move(ctx.session, move.account.id, move.bucket, move.minutes,  # type: ignore[arg-type]
                                  cap_total=cap_total)
    if after is None:
        raise AppError(refusal, 409, **params)
    entry = TimebankEntry(account_id=move.account.id, at=ctx.now, type=move.type, bucket=move.bucket,  # type: ignore[arg-type]
                          minutes=move.minutes, balance_after=after, counterparty_account_id=move.counterparty_id,
                          service_hours_id=move.service_hours_id, case_id=move.case_id,
                          by_user_id=ctx.principal.user_id, note=move.note)
    repository.add_entry(ctx.session, entry)
    return entry


async def deposit(ctx: Ctx, person: Person, hours: ServiceHours, *, team: bool,
                  minutes: int | None = None) -> list[TimebankEntry]:
    """Certified hours into the volunteer's account (all of them, or `minutes` more certified later); what the cap
    leaves out goes to their community's pool."""
    policy = await current_policy(ctx.state, ctx.session)
    cap = policy.timebank.cap_hours * 60
    account = await repository.account_of(ctx.session, person.id, lock=True)  # type: ignore[arg-type]
    if account is None:
        account = await account_for(ctx, person.id)  # type: ignore[arg-type]
    split = ledger.split_deposit(account.minutes, account.team_minutes,
                                 hours.minutes if minutes is None else minutes, cap)
    bucket = "team" if team else "own"
    entries: list[TimebankEntry] = []
    if split.kept:
        # A later addition to the same hours (staff extended the visit's window) is its own entry, tied to the
        # hours by its note: an entry names its hours once.
        later = minutes is not None
        entries.append(await _apply(ctx, Move(account, bucket, split.kept, "deposit",
                                              service_hours_id=None if later else hours.id,
                                              note=f"{hours.title}（补充认证）" if later else hours.title),
                                    cap_total=cap, refusal="timebank_busy"))
    if split.overflow:
        pool = await pool_for(ctx, person.region_code)
        entries.append(await _apply(ctx, Move(pool, "own", split.overflow, "cap_donation_in",
                                              counterparty_id=account.id,
                                              service_hours_id=None if split.kept or minutes is not None
                                              else hours.id,
                                              note=f"超出 {policy.timebank.cap_hours} 小时上限 / over the cap")))
    await ctx.session.flush()
    return entries


async def _acting_person(ctx: Ctx, person_id: int | None) -> tuple[Person, bool]:
    """Whose hours move, and whether the caller acts for them: their own, or (the time-bank counter's staff,
    within their area) the person named."""
    mine = await people.own_person(ctx)
    if person_id is None or (mine is not None and mine.id == person_id):
        if mine is None:
            raise AppError("person_not_bound", 409)
        return mine, False
    policy = await current_policy(ctx.state, ctx.session)
    p = ctx.principal
    if p.role == Role.admin or (p.role == Role.unit_staff and p.unit_kind in policy.timebank.operator_unit_kinds):
        person, _ = await people.visible(ctx, person_id)
        return person, True
    raise AppError("forbidden", 403)


async def transfer(ctx: Ctx, body: s.TransferCreate) -> list[TimebankEntry]:
    giver, for_other = await _acting_person(ctx, body.from_person_id)
    recipient = await people_repo.get(ctx.session, body.to_person_id)
    if recipient is None:
        raise AppError("person_not_found", 422, field_errors=[{"field": "to_person_id", "code": "person_not_found"}])
    if recipient.id == giver.id:
        raise AppError("transfer_to_self", 422, field_errors=[{"field": "to_person_id", "code": "transfer_to_self"}])
    policy = await current_policy(ctx.state, ctx.session)
    relation = await people_repo.relation_of(ctx.session, giver.id, recipient.id)  # type: ignore[arg-type]
    refusal = ledger.transfer_refusal(relation, age_on(recipient.birth_date, ctx.today),
                                      policy.timebank.transfer_relative_min_age)
    if refusal is not None:
        raise AppError(refusal, 422, min_age=policy.timebank.transfer_relative_min_age,
                       field_errors=[{"field": "to_person_id", "code": refusal}])
    minutes = ledger.hours_to_minutes(body.hours)
    source = await account_for(ctx, giver.id)  # type: ignore[arg-type]
    target = await account_for(ctx, recipient.id)  # type: ignore[arg-type]
    await repository.lock_accounts(ctx.session, [source.id, target.id])  # type: ignore[list-item]
    out = await _apply(ctx, Move(source, "own", -minutes, "transfer_out", counterparty_id=target.id, note=body.note),
                       hours=body.hours)
    cap = policy.timebank.cap_hours * 60
    into = await _apply(ctx, Move(target, "own", minutes, "transfer_in", counterparty_id=source.id, note=body.note),
                        cap_total=cap, refusal="transfer_exceeds_cap", cap=policy.timebank.cap_hours)
    audit.record(ctx.session, at=ctx.now, action="timebank.transfer", actor_user_id=ctx.principal.user_id,
                 target_type="timebank_account", target_id=source.id,
                 detail={"to_account": target.id, "minutes": minutes, "relation": relation,
                         "for_holder": for_other, "note": body.note})
    await ctx.session.flush()
    return [out, into]


async def donate(ctx: Ctx, body: s.DonationCreate) -> list[TimebankEntry]:
    giver, for_other = await _acting_person(ctx, body.from_person_id)
    minutes = ledger.hours_to_minutes(body.hours)
    source = await account_for(ctx, giver.id)  # type: ignore[arg-type]
    pool = await pool_for(ctx, giver.region_code)
    out = await _apply(ctx, Move(source, body.bucket, -minutes, "donation_out", counterparty_id=pool.id),
                       hours=body.hours)
    into = await _apply(ctx, Move(pool, "own", minutes, "donation_in", counterparty_id=source.id))
    audit.record(ctx.session, at=ctx.now, action="timebank.donate", actor_user_id=ctx.principal.user_id,
                 target_type="timebank_account", target_id=source.id,
                 detail={"minutes": minutes, "bucket": body.bucket, "for_holder": for_other})
    await ctx.session.flush()
    return [out, into]


async def redeem(ctx: Ctx, body: s.RedemptionCreate) -> tuple[TimebankEntry, Case]:
    """Hours pay for the account holder's own eldercare order; never cash, never someone else's care.

    The holder (or the time-bank counter for them) redeems up to what the order leaves to pay: the elder's share,
    after the order's subsidy, of the visits done or booked, less what hours already paid. More needs a leader's
    override with a reason (a visit kept on paper, say); a balance below zero never, override or not."""
    holder, for_other = await _acting_person(ctx, body.person_id)
    case = await cases_repo.locked(ctx.session, body.case_id)
    if case is None or case.kind != "eldercare" or (for_other and not can_see(case, ctx.principal)):
        raise AppError("redemption_not_eldercare", 422, field_errors=[{"field": "case_id",
                                                                       "code": "redemption_not_eldercare"}])
    if case.payload.get("person_id") != holder.id:
        raise AppError("redemption_not_own_care", 422, field_errors=[{"field": "case_id",
                                                                      "code": "redemption_not_own_care"}])
    if case.status in ("closed", "withdrawn"):
        raise AppError("case_not_open", 409)
    minutes = ledger.hours_to_minutes(body.hours)
    account = await account_for(ctx, holder.id)  # type: ignore[arg-type]
    if account.minutes < minutes:  # the invariant first: no override makes a balance negative
        raise AppError("timebank_insufficient", 409, hours=body.hours)
    service = await repository.order_service_minutes(ctx.session, case.id)  # type: ignore[arg-type]
    percent = int((case.payload.get("subsidy") or case.payload.get("eligibility") or {}).get("percent", 0))
    paid_before = int(case.payload.get("timebank_minutes", 0))
    departures = ledger.redemption_departures(minutes, service, percent, paid_before)
    override = overrides.hold(ctx, case, decision="timebank_redeem", departures=departures, override=body.override,
                              audit_action="timebank.override",
                              detail={"minutes": minutes, "account_id": account.id})
    entry = await _apply(ctx, Move(account, "own", -minutes, "redemption", case_id=case.id), hours=body.hours)
    paid = paid_before + minutes
    update_payload(case, timebank_minutes=paid)
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "timebank_redeem", from_status=case.status, to_status=case.status,
              reason=override["reason"] if override else None,
              data={"minutes": minutes, "account_id": account.id, "paid_minutes": paid,
                    "redeemable_minutes": ledger.redeemable_minutes(service, percent, paid_before),
                    "overridden": override is not None})
    audit.record(ctx.session, at=ctx.now, action="timebank.redeem", actor_user_id=ctx.principal.user_id,
                 target_type="timebank_account", target_id=account.id,
                 detail={"case_id": case.id, "minutes": minutes, "for_holder": for_other,
                         "overridden": override is not None})
    await ctx.session.flush()
    return entry, case


async def read_account(ctx: Ctx, person_id: int) -> s.AccountRead:
    person, relation = await people.visible(ctx, person_id)
    if relation is None:
        people.audit_read(ctx, person, "timebank.read")
    policy = await current_policy(ctx.state, ctx.session)
    account = await repository.account_of(ctx.session, person.id)  # type: ignore[arg-type]
    if account is None:
        return s.AccountRead(person_id=person.id, pool_region_code=None, hours=0, team_hours=0,
                             cap_hours=policy.timebank.cap_hours, entries=[])
    rows = await repository.entries(ctx.session, account.id)  # type: ignore[arg-type]
    return s.AccountRead(person_id=person.id, pool_region_code=None, hours=round(account.minutes / 60, 2),
                         team_hours=round(account.team_minutes / 60, 2), cap_hours=policy.timebank.cap_hours,
                         entries=[entry_dict(e) for e in rows])


def entry_dict(e: TimebankEntry) -> dict[str, Any]:
    return {"id": e.id, "at": e.at.isoformat(), "type": e.type, "bucket": e.bucket,
            "hours": round(e.minutes / 60, 2), "balance_after_hours": round(e.balance_after / 60, 2),
            "case_id": e.case_id, "note": e.note}


async def deposit_task(ctx: Ctx, task_id: int) -> list[TimebankEntry]:
    """The organiser banks a completed task's certified hours (tasks marked for the time bank)."""
    task = await repository.task(ctx.session, task_id, lock=True)
    if task is None:
        raise NotFound("task_not_found")
    if ctx.principal.role != Role.admin and ctx.principal.unit_id != task.unit_id:
        raise AppError("forbidden", 403)
    if task.status != "completed":
        raise AppError("task_not_completed", 409, status=task.status)
    if not task.timebank:
        raise AppError("task_not_timebank", 409)
    if task.deposited_at is not None:
        raise AppError("task_already_deposited", 409)
    entries: list[TimebankEntry] = []
    for hours in await repository.hours_of_task(ctx.session, task.id):  # type: ignore[arg-type]
        volunteer = await repository.get(ctx.session, hours.volunteer_id)
        person = await people_repo.get(ctx.session, volunteer.person_id)  # type: ignore[union-attr]
        entries += await deposit(ctx, person, hours, team=task.team_id is not None)  # type: ignore[arg-type]
    task.deposited_at = ctx.now
    task.version += 1
    audit.record(ctx.session, at=ctx.now, action="timebank.deposit_task", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer_task", target_id=task.id, detail={"entries": len(entries)})
    await ctx.session.flush()
    return entries
