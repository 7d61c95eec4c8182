"""Residence registration for rental housing: filing a tenancy, the registration's view, a person's months of
registration, and the reminder before a tenancy ends. Never commits (the sweep commits per batch, as background
work does).

A landlord or a tenant files: a resident for a tenancy they are party to (their bound register entry is the
landlord, or the first tenant), counter staff and the community for either side. Identity numbers are checked
(check character, birth date) and kept encrypted with a keyed hash, found again by the hash only; the case shows
them masked.
"""

from collections import defaultdict
from collections.abc import Mapping
from datetime import date
from typing import Any

from app.cases import service as cases
from app.cases.lifecycle import Status
from app.core import audit
from app.core.batches import in_batches
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.core.security import encrypt_field, lookup_hash, mask_id_number, mask_phone, normalise_mobile
from app.core.state import AppState
from app.core.validators import checked_id_number, phone_or_422
from app.housing import kind, repository, residence
from app.housing import schemas as s
from app.housing.limits import HousingLimits
from app.housing.rules import STAGE_NAMES, Stage
from app.models import Case, CaseEvent, Unit
from app.models.housing import HousingRegistration, HousingResident
from app.people import service as people
from app.regions import service as regions
from app.routing import service as routing

CATEGORY = "housing.rental_registration"
FILER_ROLES = frozenset({Role.resident, Role.agent, Role.unit_staff})
SELF_ROLES = frozenset({Role.resident, Role.volunteer})
BATCH = 200


def _refuse(code: str, field: str, status: int = 422, **params: Any) -> AppError:
    return AppError(code, status, field_errors=[{"field": field, "code": code}], **params)


def _numbers(ctx: Ctx, body: s.TenancyCreate) -> tuple[str, list[str]]:
    """The landlord's and the tenants' numbers, checked; a repeated tenant or a landlord renting to themself is
    refused, naming the entry."""
    today = ctx.today
    landlord = checked_id_number(body.landlord.id_number, "landlord.id_number", today).number
    tenants: list[str] = []
    for i, t in enumerate(body.tenants):
        number = checked_id_number(t.id_number, f"tenants.{i}.id_number", today).number
        if number == landlord:
            raise _refuse("landlord_is_tenant", f"tenants.{i}.id_number")
        if number in tenants:
            raise _refuse("tenant_repeated", f"tenants.{i}.id_number")
        tenants.append(number)
    return landlord, tenants


async def file(ctx: Ctx, body: s.TenancyCreate, *, app: str | None = None, phone: str | None = None) -> Case:
    """Files the tenancy. `app` names the partner app it came through (Open311, on the app's key: the app vouches
    for the filer as a counter does, so neither the resident's binding nor a registrar's area applies); `phone` is
    the filer's number the app sent."""
    p = ctx.principal
    resident = p.role == Role.resident and app is None
    if app is None and p.role not in FILER_ROLES:
        raise AppError("forbidden", 403)
    landlord_no, tenant_nos = _numbers(ctx, body)
    landlord_phone = phone_or_422(body.landlord.phone, "landlord.phone")
    await regions.region_or_422(ctx, body.region_code)
    if app is None and not resident:
        people.require_registrar(ctx, body.region_code)
    profile = await routing.profile_at(ctx.state, ctx.session, body.region_code)
    limits = profile.section("housing", HousingLimits)
    refusal = residence.tenancy_refusal(body.start_date, body.end_date, ctx.today, limits.max_term_years)
    if refusal is not None:
        raise _refuse(*refusal, years=limits.max_term_years, ends=body.end_date.isoformat())
    keys = ctx.state.keys
    landlord_hash = lookup_hash(keys.lookup_key, landlord_no)
    tenant_hashes = [lookup_hash(keys.lookup_key, n) for n in tenant_nos]
    filer_hash = landlord_hash if body.filed_by == "landlord" else tenant_hashes[0]
    registered = await repository.people_by_hash(ctx.session, [landlord_hash, *tenant_hashes])
    filer = registered.get(filer_hash)
    if resident and (filer is None or filer.user_id != p.user_id):
        raise _refuse("filer_not_party", "filed_by", 403)
    filer_name = body.landlord.name if body.filed_by == "landlord" else body.tenants[0].name
    if resident:
        phone = normalise_mobile(p.username)
    elif body.filed_by == "landlord":
        phone = landlord_phone or phone
    else:
        phone = phone or (filer.phone if filer else None)
    counted_from = max(body.start_date, ctx.today)
    payload = s.HousingPayload(
        filed_by=body.filed_by,
        landlord=s.PartyKept(name=body.landlord.name, id_number=mask_id_number(landlord_no) or "",
                             phone=mask_phone(landlord_phone)),
        tenants=[s.PartyKept(name=t.name, id_number=mask_id_number(n) or "")
                 for t, n in zip(body.tenants, tenant_nos, strict=True)],
        start_date=body.start_date, end_date=body.end_date, counted_from=counted_from,
        lapses_at=residence.lapses_at(body.end_date, ctx.zone),
        verify_limit={limits.verify.unit: limits.verify.amount}, note=body.note)
    who = "出租人" if body.filed_by == "landlord" else "承租人"
    channel = "open311" if app is not None else "app" if resident else "counter"
    case = Case(kind="housing", channel=channel, category_code=CATEGORY,
                work_order_type="other", urgency="normal", stage=Stage.filed,
                title=f"出租屋居住登记：{body.address}"[:200],
                description=body.note or (f"{who}{filer_name}申报租赁居住登记：{body.start_date.isoformat()} 至 "
                                          f"{body.end_date.isoformat()}，承租人 {len(tenant_nos)} 人"),
                region_code=body.region_code, address=body.address,
                # The filer follows it in the app, however it was filed.
                requester_user_id=p.user_id if resident else (filer.user_id if filer else None),
                caller_name=filer_name, caller_phone=phone, payload={},
                # open_case numbers the case and sets these again as it stores it
                number="", status=Status.received, district_code=body.region_code[:6], profile_code=profile.code)
    kind.plugin().store(case, payload)
    case = await cases.open_case(ctx, case, created={"filed_by": body.filed_by, "tenants": len(tenant_nos),
                                                     "start_date": body.start_date.isoformat(),
                                                     "end_date": body.end_date.isoformat(),
                                                     **({"app": app} if app is not None else {})})
    registration = HousingRegistration(
        case_id=id_of(case), region_code=body.region_code, address=body.address, landlord_name=body.landlord.name,
        landlord_id_cipher=encrypt_field(keys.field_key, landlord_no), landlord_id_hash=landlord_hash,
        start_date=body.start_date, end_date=body.end_date, counted_from=counted_from)
    ctx.session.add(registration)
    await ctx.session.flush()
    for seq, (tenant, number, hashed) in enumerate(zip(body.tenants, tenant_nos, tenant_hashes, strict=True), 1):
        person = registered.get(hashed)
        ctx.session.add(HousingResident(
            registration_id=id_of(registration), seq=seq, name=tenant.name,
            id_cipher=encrypt_field(keys.field_key, number), id_hash=hashed, id_masked=mask_id_number(number) or "",
            person_id=person.id if person else None))
    await ctx.session.flush()
    return case


# --- reading -----------------------------------------------------------------------------------------------------

def _period(registration: HousingRegistration) -> residence.Period | None:
    last = registration.ended_on or registration.end_date
    return residence.Period(registration.counted_from, last) if last >= registration.counted_from else None


async def _periods(ctx: Ctx, hashes: list[str]) -> Mapping[str, list[tuple[HousingRegistration, str]]]:
    out: dict[str, list[tuple[HousingRegistration, str]]] = defaultdict(list)
    for hashed, registration, stage in await repository.counted(ctx.session, hashes):
        out[hashed].append((registration, stage))
    return out


def _residence(rows: list[tuple[HousingRegistration, str]], today: date,
               limits: HousingLimits) -> residence.Residence:
    periods = [p for p in (_period(r) for r, _ in rows) if p is not None]
    return residence.residence(periods, today, limits.residence_permit_months, limits.continuity_gap_days)


async def registration(ctx: Ctx, case_id: int) -> s.RegistrationRead:
    case = await cases.load_visible(ctx, case_id)
    if case.kind != "housing":
        raise NotFound("case_not_found")
    p = kind.plugin().payload_of(case)
    reg = await repository.registration_of(ctx.session, case_id)
    tenants = await repository.residents_of(ctx.session, id_of(reg))
    limits = await kind.limits_of(ctx, case)
    periods = await _periods(ctx, [t.id_hash for t in tenants])
    unit = await ctx.session.get(Unit, case.lead_unit_id) if case.lead_unit_id else None
    zh, en = STAGE_NAMES.get(case.stage or "", (case.stage or "", case.stage or ""))
    certificate = reg.certificate_no if case.stage != Stage.rejected else None
    residents = []
    for t in tenants:
        found = _residence(periods.get(t.id_hash, []), ctx.today, limits)
        residents.append(s.ResidentRead(seq=t.seq, name=t.name, id_number=t.id_masked,
                                        certificate_no=f"{certificate}-{t.seq:02d}" if certificate else None,
                                        months_registered=found.months, meets_residence_permit=found.meets))
    return s.RegistrationRead(
        id=id_of(case), number=case.number, stage=case.stage, stage_name=zh, stage_name_en=en, status=case.status,
        handling_unit=unit.name if unit else None, region_code=case.region_code, address=reg.address,
        filed_by=p.filed_by, landlord=p.landlord, tenants=residents, start_date=reg.start_date,
        end_date=reg.end_date, counted_from=reg.counted_from, certificate_no=certificate,
        registered_at=reg.registered_at, verify_due=case.handle_due, calendar_complete=not case.provisional,
        remind_at=reg.remind_at if case.stage == Stage.registered else None, reminded_at=reg.reminded_at,
        lapses_at=case.stage_due if case.stage == Stage.registered else None, ended_on=reg.ended_on,
        residence_permit_months=limits.residence_permit_months, steps=_steps(case.events))


STEPS = {"create", "dispatch", "verify", "reject", "extend", "end_early", "tenancy_end_reminder",
         "registration_lapsed", "callback", "withdraw", "redispatch"}


def _steps(events: list[CaseEvent]) -> list[s.TrackStep]:
    return [s.TrackStep(at=e.at, type=e.type, stage=e.data.get("stage_to")) for e in events if e.type in STEPS]


async def _residence_read(ctx: Ctx, hashed: str, name: str | None, masked: str) -> s.ResidenceRead:
    rows = (await _periods(ctx, [hashed])).get(hashed, [])
    latest = max(rows, key=lambda r: (r[0].counted_from, id_of(r[0])))[0] if rows else None
    # The requirement of the place the person lives now (the last registration's), else the deployment's.
    profile = await routing.profile_at(ctx.state, ctx.session, latest.region_code if latest else None)
    limits = profile.section("housing", HousingLimits)
    found = _residence(rows, ctx.today, limits)
    return s.ResidenceRead(
        name=name, id_number=masked, registered_today=found.since is not None, continuous_since=found.since,
        months_registered=found.months, residence_permit_months=limits.residence_permit_months,
        meets_residence_permit=found.meets, meets_on=found.meets_on, basis=limits.residence_permit_basis,
        registrations=[s.PeriodRead(case_id=reg.case_id, certificate_no=reg.certificate_no,
                                    region_code=reg.region_code, stage=stage, first=reg.counted_from,
                                    last=reg.ended_on) for reg, stage in rows])


async def my_residence(ctx: Ctx) -> s.ResidenceRead:
    """The caller's own months of registration (a resident or volunteer bound to their register entry)."""
    if ctx.principal.role not in SELF_ROLES:
        raise AppError("forbidden", 403)
    me = await people.own_person(ctx)
    if me is None:
        raise AppError("person_not_bound", 409)
    return await _residence_read(ctx, me.id_hash, me.name, me.id_masked)


async def lookup_residence(ctx: Ctx, body: s.ResidenceLookup) -> s.ResidenceRead:
    """Anyone's months of registration, by identity number, for the staff who take residence-permit applications;
    the number is hashed, never searched in clear, and the read is audited with its reason."""
    if not people.is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    number = checked_id_number(body.id_number, "id_number", ctx.today).number
    hashed = lookup_hash(ctx.state.keys.lookup_key, number)
    person = (await repository.people_by_hash(ctx.session, [hashed])).get(hashed)
    masked = mask_id_number(number) or ""
    audit.record(ctx.session, at=ctx.now, action="housing.residence_lookup", actor_user_id=ctx.principal.user_id,
                 actor_name=ctx.principal.name, target_type="person", target_id=person.id if person else None,
                 detail={"id_number": masked, "reason": body.reason})
    return await _residence_read(ctx, hashed, person.name if person else None, masked)


# --- the reminder sweep ------------------------------------------------------------------------------------------

async def remind_sweep(state: AppState) -> dict[str, int]:
    """The worker's pass: tenants reminded before their tenancy ends, once per end date. Commits per batch."""

    async def remind(ctx: Ctx, row: tuple[HousingRegistration, Case]) -> int:
        kind.remind(ctx, row[1], row[0])
        return 1

    sent = await in_batches(state, repository.lock_due_reminders, lambda row: id_of(row[0]), remind, batch=BATCH)
    return {"housing_reminders": sent}
