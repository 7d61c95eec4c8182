"""The `affair` kind: how a one-stop application plugs into the case spine.

The spine routes, clocks, records and commits; this module tells it who
handles the item (the item's unit kind in the applicant's jurisdiction), how
long the promise is, what the stage guards need to know, and what each stage
action changes. A decision is the unit's reply, so callbacks and ratings
follow as for every case.
"""

from typing import Any
from zoneinfo import ZoneInfo

from app.affair import repository, rules
from app.affair import schemas as s
from app.affair.rules import Stage
from app.calendar.deadlines import Basis, Limit
from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock
from app.cases.access import sign_for
from app.cases.accountability import record_reply
from app.cases.dispatching import clear_oversight
from app.cases.kinds import recorded_by, update_payload, without_keys
from app.cases.lifecycle import Actor, CaseView, Status
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.roles import Role
from app.files import service as files
from app.models import Case
from app.routing.rules import Decision, Step, route_to_kind

STAFF_SOURCES = {"counter_checked"}


def item_materials(case: Case) -> list[rules.Material]:
    return rules.materials_of(case.payload["item"]["materials"])


def provided_codes(payload: dict[str, Any]) -> list[str]:
    return [m["code"] for m in payload.get("materials", [])]


def facts(case: Case) -> dict[str, Any]:
    check = rules.check_materials(item_materials(case), provided_codes(case.payload))
    item = case.payload["item"]
    names = {m["code"]: m["name"] for m in item["materials"]}
    return {"complete": check.complete, "missing_key": tuple(names[c] for c in check.missing_key),
            "missing_names": tuple(names[c] for c in check.missing_key + check.missing_tolerable),
            "on_the_spot": item["promised_days"] == 0, "credit_flagged": bool(case.payload.get("credit_flagged")),
            "tolerance_possible": item.get("tolerance_days") is not None}


def route(snap: Any, case: Case) -> Decision:
    """The item's handling unit kind, nearest the applicant's community (属地)."""
    item = case.payload["item"]
    kind = item["handling_unit_kind"]
    kind_name = snap.kind_names.get(kind, kind)
    return route_to_kind(snap, case.region_code, kind, Step(
        f"事项：{item['name']}（{item['code']} 第 {item['version']} 版）；办理单位类型：{kind_name}",
        f"Item {item['code']} v{item['version']}; handled by a unit of kind {kind}"))


def handling_limit(case: Case) -> Limit:
    return rules.handling_limit(case.payload["item"]["promised_days"])


def present_payload(payload: dict[str, Any], principal: Any) -> dict[str, Any]:
    """The stored ID numbers are ciphertext and keyed hashes; responses carry the masked form only.

    The credit flag is for the staff who accept; a resident would otherwise learn anyone's from an ID number.
    """
    out = dict(payload)
    for key in ("applicant", "proxy"):
        if out.get(key):
            out[key] = {k: v for k, v in out[key].items() if k not in ("id_cipher", "id_hash")}
    if principal.role == Role.resident:
        out.pop("credit_flagged", None)
        out = without_keys(out, frozenset({"by_user_id", "by_role"}))
    return out


async def refresh_facts(ctx: Ctx, case: Case) -> None:
    """The bad-credit list changes: it is read again whenever the unit acts, not only at filing."""
    today = ctx.now.astimezone(ZoneInfo(ctx.state.settings.timezone)).date()
    flagged = await repository.credit_flagged(ctx.session, case.payload["applicant"]["id_hash"], today)
    if flagged != bool(case.payload.get("credit_flagged")):
        update_payload(case, credit_flagged=flagged)


# --- effects ----------------------------------------------------------------------------------------------------

def _names(case: Case, codes: list[str] | tuple[str, ...]) -> list[dict[str, str]]:
    by_code = {m["code"]: m["name"] for m in case.payload["item"]["materials"]}
    return [{"code": c, "name": by_code.get(c, c)} for c in codes]


async def accept(ctx: Ctx, case: Case, actor: Actor, body: s.AcceptBody, view: CaseView) -> dict:
    sign_for(ctx, case)
    update_payload(case, accepted={**recorded_by(ctx), "tolerance": False})
    return {"notify_requester": True}


async def accept_pending(ctx: Ctx, case: Case, actor: Actor, body: s.AcceptPendingBody, view: CaseView) -> dict:
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    due = rules.supplement_due(ctx.now, case.payload["item"]["promised_days"],
                               margin=profile.tolerance_margin_working_days, cap=profile.tolerance_cap_working_days,
                               calendar=calendar, zone=ZoneInfo(ctx.state.settings.timezone))
    if due is None:
        raise AppError("tolerance_not_possible", 409)
    check = rules.check_materials(item_materials(case), provided_codes(case.payload))
    sign_for(ctx, case)
    days = rules.supplement_working_days(case.payload["item"]["promised_days"],
                                         profile.tolerance_margin_working_days, profile.tolerance_cap_working_days)
    clock.set_due(case, "stage_due", Basis(ctx.now, Limit(days or 0, "working_days")), due)
    missing = _names(case, check.missing_tolerable)
    update_payload(case, accepted={**recorded_by(ctx), "tolerance": True},
                   tolerance={"promise": body.promise, "missing": missing, "supplement_due": due.at.isoformat(),
                              "calendar_complete": due.calendar_complete})
    return {"missing": missing, "supplement_due": due.at.isoformat(), "notify_requester": True}


async def request_materials(ctx: Ctx, case: Case, actor: Actor, body: s.AffairRequestMaterialsBody,
                             view: CaseView) -> dict:
    known = {m["code"] for m in case.payload["item"]["materials"]}
    for i, entry in enumerate(body.items):
        if entry.material_code is not None and entry.material_code not in known:
            raise AppError("material_unknown", 422, code=entry.material_code,
                           field_errors=[{"field": f"items.{i}.material_code", "code": "material_unknown"}])
    sign_for(ctx, case)
    items = [i.model_dump() for i in body.items]
    paused = case.handle_due
    case.handle_due = None  # the clock stops while the applicant gathers the materials
    clear_oversight(case)
    update_payload(case, notice={"items": items, **recorded_by(ctx),
                                 "handle_due_before": paused.isoformat() if paused else None})
    return {"items": items, "clock_paused": True, "notify_requester": True}


async def _decide(ctx: Ctx, case: Case, decision: dict[str, Any], text: str) -> dict:
    update_payload(case, decision=decision)
    replied = await record_reply(ctx, case, text, basis=decision.get("legal_basis"), decision=decision["result"])
    return {"decision": decision, **replied, "notify_requester": True}


def _approval(ctx: Ctx, case: Case, body: s.AffairApproveBody) -> tuple[dict[str, Any], str]:
    decision = {"result": "approved", "certificate_no": body.certificate_no, "collection": body.collection,
                **recorded_by(ctx)}
    how = {"counter": "请到窗口领取", "mail": "将邮寄送达", "electronic": "已发放电子证照", "none": ""}[body.collection]
    text = body.text or f"您申请的“{case.payload['item']['name']}”已准予办理。{how}".rstrip("。") + "。"
    return decision, text


async def approve(ctx: Ctx, case: Case, actor: Actor, body: s.AffairApproveBody, view: CaseView) -> dict:
    return await _decide(ctx, case, *_approval(ctx, case, body))


async def accept_and_approve(ctx: Ctx, case: Case, actor: Actor, body: s.AffairApproveBody, view: CaseView) -> dict:
    sign_for(ctx, case)
    update_payload(case, accepted={**recorded_by(ctx), "tolerance": False, "on_the_spot": True})
    return await _decide(ctx, case, *_approval(ctx, case, body))


async def reject(ctx: Ctx, case: Case, actor: Actor, body: s.AffairRejectBody, view: CaseView) -> dict:
    decision = {"result": "rejected", "reasons": body.reasons, "legal_basis": body.legal_basis,
                **recorded_by(ctx)}
    case.stage_due = None
    return await _decide(ctx, case, decision, f"您申请的“{case.payload['item']['name']}”不予办理。理由：{body.reasons}")


def check_sources(ctx: Ctx, materials: list[s.ProvidedMaterial], known: set[str], field: str = "materials") -> None:
    for i, m in enumerate(materials):
        if m.code not in known:
            raise AppError("material_unknown", 422, code=m.code,
                           field_errors=[{"field": f"{field}.{i}.code", "code": "material_unknown"}])
        if m.source in STAFF_SOURCES and ctx.principal.role == Role.resident:
            raise AppError("material_source_not_allowed", 422, source=m.source,
                           field_errors=[{"field": f"{field}.{i}.source", "code": "material_source_not_allowed"}])


def material_files(materials: list[s.ProvidedMaterial], field: str = "materials") -> list[files.FileRef]:
    """The uploaded files the materials name: an applicant's personal documents."""
    return [files.FileRef(m.file_id, f"{field}.{i}.file_id", ref=m.code) for i, m in enumerate(materials)
            if m.file_id is not None]


def material_records(ctx: Ctx, materials: list[s.ProvidedMaterial]) -> list[dict[str, Any]]:
    return [{**m.model_dump(), **recorded_by(ctx),
             "by_role": ctx.principal.role.value} for m in materials]


async def supplement(ctx: Ctx, case: Case, actor: Actor, body: s.AffairSupplementBody, view: CaseView) -> dict:
    check_sources(ctx, body.materials, {m["code"] for m in case.payload["item"]["materials"]})
    await files.attach(ctx, case.id, material_files(body.materials), purpose="material", sensitive=True)
    fresh = {m.code for m in body.materials}
    kept = [m for m in case.payload.get("materials", []) if m["code"] not in fresh]
    update_payload(case, materials=kept + material_records(ctx, body.materials))
    check = rules.check_materials(item_materials(case), provided_codes(case.payload))
    data: dict[str, Any] = {"materials": sorted(fresh), "still_missing": _names(case, check.missing_key
                                                                              + check.missing_tolerable)}
    if case.stage == Stage.materials_requested:
        notice = case.payload["notice"]
        asked = {i["material_code"] for i in notice["items"] if i["material_code"]}
        answered = set(notice.get("answered", [])) | fresh
        update_payload(case, notice={**notice, "answered": sorted(answered)})
        if check.complete and asked <= answered:
            case.stage = Stage.submitted
            calendar = await current_calendar(ctx.state, ctx.session)
            basis = Basis(ctx.now, handling_limit(case))  # resubmitted: the promise runs again from today
            due = basis.compute(calendar, ctx.zone)
            clock.set_due(case, "handle_due", basis, due)
            clear_oversight(case)
            data.update(resubmitted=True, handle_due=due.at.isoformat())
        else:
            data["still_asked"] = sorted(asked - answered)
    elif case.stage == Stage.accepted_pending and not check.missing_tolerable:
        case.stage, case.stage_due = Stage.accepted, None
        update_payload(case, tolerance={**case.payload["tolerance"], "completed_at": ctx.now.isoformat()})
        data["tolerance_completed"] = True
    return data


async def terminate_overdue(ctx: Ctx, case: Case) -> None:
    """The sweep's call when a 容缺 supplement date has passed: the application ends, and the applicant is told."""
    if case.stage != Stage.accepted_pending or case.stage_due is None or case.stage_due > ctx.now:
        return
    if Status(case.status) not in rules.AT_UNIT:
        return
    before = case.status
    check = rules.check_materials(item_materials(case), provided_codes(case.payload))
    due = case.stage_due
    case.status, case.stage, case.stage_due = Status.closed, Stage.terminated, None
    case.closed_at, case.close_reason = ctx.now, "terminated"
    for a in case.assignments:
        if a.active and a.status not in ("replied", "contributed"):
            a.status, a.finished_at = "terminated", ctx.now
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "terminate", from_status=before, to_status=Status.closed,
              reason="容缺受理材料逾期未补齐 / 容缺 materials not supplied by the deadline",
              data={"stage_from": Stage.accepted_pending, "stage_to": Stage.terminated,
                    "supplement_due": due.isoformat(),
                    "missing": _names(case, check.missing_tolerable), "notify_requester": True})
