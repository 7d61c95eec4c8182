"""Affair applications: filing (online or at the counter, for oneself or by proxy) and the applicant's view.

Filing checks what only the item knows (its materials, who may file for
whom), then hands the case to the spine, which routes it to the item's unit
in the applicant's jurisdiction and starts the promised working days.
Acceptance, supplements and decisions are stage actions on the case. Never commits.
"""

from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.affair import repository, rules
from app.affair import schemas as s
from app.affair.kind import check_sources, material_files, material_records
from app.cases import repository as cases_repo
from app.cases import service as cases
from app.core import audit
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.core.security import encrypt_field, lookup_hash, mask_id_number, normalise_mobile
from app.core.state import AppState
from app.core.validators import caller_phone_of, checked_id_number, parse_or_none
from app.files import service as files
from app.models import Case, CaseEvent, CreditFlag, Unit
from app.routing import service as routing

FILER_ROLES = {Role.resident, Role.agent}  # agents are the hotline and counter staff
STAFF_PROXY_MODES = {"assisted", "home_visit"}


def id_number_or_422(ctx: Ctx, raw: str | None, field: str) -> str:
    return checked_id_number(raw or "", field, ctx.today).number


def _person(ctx: Ctx, id_number: str, **extra: Any) -> dict[str, Any]:
    keys = ctx.state.keys
    return {**extra, "id_masked": mask_id_number(id_number), "id_cipher": encrypt_field(keys.field_key, id_number),
            "id_hash": lookup_hash(keys.lookup_key, id_number)}


def _proxy(ctx: Ctx, body: s.ApplicationCreate, allowed: bool) -> dict[str, Any] | None:
    """Who filed for the applicant. Staff filing is always recorded: 帮办 unless they say otherwise."""
    staff = ctx.principal.role != Role.resident
    proxy = body.proxy
    if proxy is None and staff:
        proxy = s.ProxyIn(mode="assisted")
    if proxy is None:
        return None
    if not staff and proxy.mode in STAFF_PROXY_MODES:
        raise AppError("proxy_mode_staff_only", 422, mode=proxy.mode,
                       field_errors=[{"field": "proxy.mode", "code": "proxy_mode_staff_only"}])
    if proxy.mode == "proxy" and not allowed:
        raise AppError("proxy_not_allowed", 422, field_errors=[{"field": "proxy", "code": "proxy_not_allowed"}])
    record: dict[str, Any] = {"mode": proxy.mode, "relation": proxy.relation, "by_user_id": ctx.principal.user_id,
                              "by_role": ctx.principal.role.value,
                              "name": proxy.name or (ctx.principal.name if staff else None)}
    if proxy.id_number:
        record = _person(ctx, id_number_or_422(ctx, proxy.id_number, "proxy.id_number"), **record)
    return record


async def file(ctx: Ctx, body: s.ApplicationCreate) -> Case:
    principal = ctx.principal
    if principal.role not in FILER_ROLES:
        raise AppError("forbidden", 403)
    item = await repository.current_item(ctx.session, body.item_code)
    if item is None or item.status == "withdrawn":
        raise AppError("item_withdrawn" if item else "item_not_found", 422, code=body.item_code,
                       field_errors=[{"field": "item_code", "code": "item_withdrawn" if item else "item_not_found"}])
    if principal.role == Role.resident and not item.online:
        raise AppError("item_not_online", 422, code=item.code,
                       field_errors=[{"field": "item_code", "code": "item_not_online"}])
    id_number = id_number_or_422(ctx, body.applicant.id_number, "applicant.id_number")
    if principal.role == Role.resident:
        name, phone, channel = body.applicant.name or principal.name, normalise_mobile(principal.username), "app"
    else:
        if not body.applicant.name:
            raise AppError("applicant_name_required", 422,
                           field_errors=[{"field": "applicant.name", "code": "applicant_name_required"}])
        name, phone, channel = body.applicant.name, caller_phone_of(body.applicant.phone), "counter"
    proxy = _proxy(ctx, body, item.proxy_allowed)
    check_sources(ctx, body.materials, {m["code"] for m in item.materials})
    uploads = await files.claim(ctx, material_files(body.materials))  # the filer's own uploads, or a refusal
    check = rules.check_materials(rules.materials_of(item.materials), [m.code for m in body.materials])
    if check.missing_key:
        missing = [m["name"] for m in item.materials if m["code"] in check.missing_key]
        raise AppError("key_material_missing", 422, missing="、".join(missing),
                       field_errors=[{"field": "materials", "code": "key_material_missing", "message": code}
                                     for code in check.missing_key])
    snap = await routing.snapshot(ctx.state, ctx.session)
    routing.validate_facts(snap, category=item.category_code, region_code=body.region_code)
    cases.check_district_scope(ctx, body.region_code)
    profile = await routing.profile_at(ctx.state, ctx.session, body.region_code)
    today = ctx.now.astimezone(ZoneInfo(ctx.state.settings.timezone)).date()
    applicant = _person(ctx, id_number, name=name)
    payload = {
        "item": {"code": item.code, "version": item.version, "name": item.name,
                 "handling_unit_kind": item.handling_unit_kind, "promised_days": item.promised_days,
                 "statutory_days": item.statutory_days,
                 "tolerance_days": rules.supplement_working_days(item.promised_days,
                                                                 profile.tolerance_margin_working_days,
                                                                 profile.tolerance_cap_working_days),
                 "materials": [{k: m.get(k) for k in ("code", "name", "required", "may_come_later")}
                               for m in item.materials]},
        "applicant": applicant, "proxy": proxy, "materials": material_records(ctx, body.materials),
        "credit_flagged": await repository.credit_flagged(ctx.session, applicant["id_hash"], today),
    }
    case = Case(kind="affair", channel=channel, category_code=item.category_code, work_order_type="other",
                urgency="normal", stage=rules.Stage.submitted, title=item.name,
                description=body.note or f"申请办理：{item.name}", region_code=body.region_code,
                address=body.address, requester_user_id=principal.user_id if principal.role == Role.resident else None,
                caller_name=name, caller_phone=phone, payload=payload)
    created = {"item": {"code": item.code, "version": item.version},
               "proxy": {k: v for k, v in (proxy or {}).items() if k not in ("id_cipher", "id_hash")} or None,
               "materials": [m.code for m in body.materials], "missing": check.as_dict()}
    case = await cases.open_case(ctx, case, created=created)
    await files.link(ctx, case.id, uploads, purpose="material", sensitive=True)
    return case


async def track(ctx: Ctx, case_id: int) -> s.ApplicationTrack:
    case = await cases.load_visible(ctx, case_id)
    if case.kind != "affair":
        raise NotFound("case_not_found")
    return await present_track(ctx.session, case)


async def track_public(state: AppState, session: AsyncSession, number: str, id_number: str) -> s.ApplicationTrack:
    """By the application number and the applicant's ID number, without an account; a mismatch is a 404."""
    valid = parse_or_none(id_number, state.clock.now().date())
    case = await cases_repo.by_number(session, number)
    if (case is None or case.kind != "affair" or valid is None
            or case.payload["applicant"]["id_hash"] != lookup_hash(state.keys.lookup_key, valid)):
        raise NotFound("application_not_found")
    return await present_track(session, case)


def _steps(events: list[CaseEvent]) -> list[s.AffairTrackStep]:
    shown = {"create", "dispatch", "accept", "accept_pending", "request_materials", "supplement", "approve", "reject",
             "accept_and_approve", "terminate", "withdraw", "callback", "rate", "return", "accept_return",
             "redispatch"}
    return [s.AffairTrackStep(at=e.at, type=e.type, stage=e.data.get("stage_to"), note=e.reason) for e in events
            if e.type in shown]


async def present_track(session: AsyncSession, case: Case) -> s.ApplicationTrack:
    payload = case.payload
    missing = rules.check_materials(rules.materials_of(payload["item"]["materials"]),
                                    [m["code"] for m in payload.get("materials", [])])
    names = {m["code"]: m["name"] for m in payload["item"]["materials"]}
    unit = await session.get(Unit, case.lead_unit_id) if case.lead_unit_id else None
    stage_zh, stage_en = rules.STAGE_NAMES.get(case.stage, (case.stage or "", case.stage or ""))
    decision = payload.get("decision")
    notice = payload.get("notice") if case.stage == rules.Stage.materials_requested else None
    if notice is not None:  # which staff member wrote it stays with the staff
        notice = {"items": notice["items"], "at": notice["at"]}
    proxy = payload.get("proxy")
    return s.ApplicationTrack(
        id=case.id, number=case.number,
        item={k: payload["item"][k] for k in ("code", "version", "name", "promised_days", "statutory_days")},
        stage=case.stage, stage_name=stage_zh, stage_name_en=stage_en, status=case.status,
        handling_unit=unit.name if unit else None, submitted_at=case.created_at,
        promised_by=case.handle_due if case.status not in ("closed", "withdrawn") else None,
        supplement_due=case.stage_due, calendar_complete=not case.provisional,
        missing=[s.MissingMaterial(code=c, name=names.get(c, c), key=c in missing.missing_key)
                 for c in missing.missing_key + missing.missing_tolerable],
        notice=notice, decision={k: v for k, v in decision.items() if k != "by_user_id"} if decision else None,
        proxy={"mode": proxy["mode"], "relation": proxy.get("relation")} if proxy else None,
        steps=_steps(case.events), version=case.version)


async def add_credit_flag(state: AppState, session: AsyncSession, body: s.CreditFlagCreate, by: int,
                          now: datetime) -> CreditFlag:
    number = checked_id_number(body.id_number, "id_number", now.date()).number
    flag = CreditFlag(id_hash=lookup_hash(state.keys.lookup_key, number), id_masked=mask_id_number(number),
                      reason=body.reason, source=body.source, listed_on=(body.listed_on or now).date(),
                      until=body.until.date() if body.until else None, note=body.note, created_at=now,
                      created_by=by)
    session.add(flag)
    await session.flush()
    audit.record(session, at=now, action="credit_flag.create", actor_user_id=by, target_type="credit_flag",
                 target_id=flag.id)
    return flag


async def lift_credit_flag(session: AsyncSession, flag_id: int, by: int, now: datetime) -> CreditFlag:
    flag = await session.get(CreditFlag, flag_id)
    if flag is None:
        raise NotFound("credit_flag_not_found")
    if not flag.active:
        raise AppError("credit_flag_inactive", 409)
    flag.active = False
    audit.record(session, at=now, action="credit_flag.lift", actor_user_id=by, target_type="credit_flag",
                 target_id=flag.id)
    return flag


def present_flag(flag: CreditFlag) -> s.CreditFlagRead:
    return s.CreditFlagRead(id=flag.id, id_number=flag.id_masked, reason=flag.reason, source=flag.source,
                            listed_on=flag.listed_on.isoformat(), until=flag.until.isoformat() if flag.until else None,
                            active=flag.active)
