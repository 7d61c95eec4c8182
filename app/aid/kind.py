"""The `aid` kind: how a social-aid application plugs into the case spine.

The category rules route it (街道民政服务站 leads, the community assists with
the household check); the whole process is due in the profile's working days
and may be extended up to its cap; the stages run in aid.rules. The sweep
accepts an application nobody answered with a list of missing materials in
time, and marks the end of each public notice.
"""

from datetime import datetime
from decimal import Decimal
from typing import Any

from app.aid import eligibility as el
from app.aid import schemas as s
from app.aid import service
from app.aid.limits import AidLimits
from app.aid.rules import Stage
from app.calendar.deadlines import Basis, Limit, due_after
from app.calendar.service import current_calendar, deployment_profile
from app.cases import clock
from app.cases.access import sign_for
from app.cases.accountability import record_reply
from app.cases.dispatching import clear_oversight
from app.cases.kinds import parse_instant, recorded_by, update_payload, without_keys
from app.cases.lifecycle import AT_UNIT, Actor, CaseView, Status
from app.core import overrides
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.roles import Role
from app.models import Case


def facts(case: Case) -> dict[str, Any]:
    p = case.payload
    notices = p.get("notices") or []
    running = notices[-1] if notices and case.stage == Stage.notice else None
    return {"scheme": p["scheme"], "emergency": bool(p.get("temporary")) and p["temporary"]["type"] == "emergency",
            "notice_ends": parse_instant(running["ends"]) if running else None,
            "notice_ends_text": running.get("ends_local", running["ends"]) if running else None}


def handling_limit(case: Case) -> Limit:
    return Limit.parse(case.payload["limit"])


def extension_cap(case: Case) -> int:
    return int(case.payload["extension_cap"])


async def _due(ctx: Ctx, case: Case, key: str, start: datetime | None = None) -> datetime:
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    return due_after(start or ctx.now, profile.section("aid", AidLimits)[key], calendar, ctx.zone).at


async def _set_due(ctx: Ctx, case: Case, column: str, key: str, start: datetime | None = None) -> datetime:
    """Sets a deadline column from the profile's aid limit, re-planned later if its year has no notice yet."""
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    basis = Basis(start or ctx.now, profile.section("aid", AidLimits)[key])
    return clock.set_due(case, column, basis, basis.compute(calendar, ctx.zone))


async def accept(ctx: Ctx, case: Case, actor: Actor, body: s.AidNoteBody, view: CaseView) -> dict:
    sign_for(ctx, case)
    case.stage_due = None
    update_payload(case, accepted={**recorded_by(ctx), "by_rule": False, "note": body.note})
    return {"notify_requester": True}


async def request_materials(ctx: Ctx, case: Case, actor: Actor, body: s.AidRequestMaterialsBody,
                             view: CaseView) -> dict:
    sign_for(ctx, case)
    items = [i.model_dump() for i in body.items]
    case.stage_due = None
    paused = case.handle_due
    case.handle_due = None  # the clock waits for the household's materials
    clear_oversight(case)
    update_payload(case, materials_list={"items": items, **recorded_by(ctx),
                                         "handle_due_before": paused.isoformat() if paused else None})
    return {"items": items, "clock_paused": True, "notify_requester": True}


async def supplement(ctx: Ctx, case: Case, actor: Actor, body: s.AidSupplementBody, view: CaseView) -> dict:
    due = await _set_due(ctx, case, "handle_due", "whole")  # accepted now: the whole process runs from today
    clear_oversight(case)
    supplement = {"materials": body.materials, **recorded_by(ctx)}
    update_payload(case, supplements=[*case.payload.get("supplements", []), supplement],
                   accepted={**recorded_by(ctx), "by_rule": False, "after_list": True})
    return {"materials": body.materials, "handle_due": due.isoformat(), "notify_requester": True}


async def grant_first(ctx: Ctx, case: Case, actor: Actor, body: s.GrantFirstBody, view: CaseView) -> dict:
    sign_for(ctx, case)
    case.stage_due = None
    update_payload(case, granted_first={"amount": str(body.amount), "note": body.note, **recorded_by(ctx)})
    return {"amount": str(body.amount), "notify_requester": True}


async def record_check(ctx: Ctx, case: Case, actor: Actor, body: s.AidCheckBody, view: CaseView) -> dict:
    if body.visited_on > ctx.today:
        raise AppError("visited_in_future", 422, field_errors=[{"field": "visited_on", "code": "visited_in_future"}])
    check: dict[str, Any] = {"findings": body.findings, "visited_on": body.visited_on.isoformat(), **recorded_by(ctx)}
    if body.members is not None or body.assets is not None:
        household = s.Household(scheme=case.payload["scheme"], region_code=case.region_code,
                                members=body.members or [service.member_in(m) for m in case.payload["household"]],
                                assets=body.assets or s.AssetsIn.model_validate(case.payload["assets"]),
                                temporary=s.TemporaryIn.model_validate(case.payload["temporary"])
                                if case.payload.get("temporary") else None)
        result, line, kept = await service.check(ctx, household)
        check["eligibility"] = service.present(result, household.scheme, line, len(kept)).model_dump(mode="json")
        # The case's eligibility is always the latest check's: a decision is held to it.
        update_payload(case, household=kept, assets=household.assets.model_dump(mode="json"),
                       eligibility=check["eligibility"])
    update_payload(case, checks=[*case.payload.get("checks", []), check])
    return {"eligible_after_check": check.get("eligibility", {}).get("eligible")}


async def publish_notice(ctx: Ctx, case: Case, actor: Actor, body: s.NoticeBody, view: CaseView) -> dict:
    ends = await _due(ctx, case, "notice")
    notice = {"round": len(case.payload["notices"]) + 1, "place": body.place, "from": ctx.now.isoformat(),
              "ends": ends.isoformat(), "ends_local": ends.astimezone(ctx.zone).strftime("%Y-%m-%d %H:%M")}
    case.stage_due = ends
    update_payload(case, notices=[*case.payload["notices"], notice], decision_due=None)
    return {"notice": notice, "notify_requester": True}


async def record_objection(ctx: Ctx, case: Case, actor: Actor, body: s.ObjectionBody, view: CaseView) -> dict:
    round_ = case.payload["notices"][-1]["round"]
    case.stage_due = None
    objection = {"round": round_, "text": body.text, "by": body.by, **recorded_by(ctx)}
    update_payload(case, objections=[*case.payload["objections"], objection])
    return {"round": round_, "back_to": "check", "notify_requester": True}


def _departures(case: Case, amount: Decimal) -> tuple[list[dict[str, Any]], Decimal | None]:
    """How an approval of `amount` departs from the latest recorded check: (the departures, the entitlement)."""
    latest = case.payload["eligibility"]
    entitled = Decimal(latest["entitlement"]) if latest.get("entitlement") is not None else None
    found: list[dict[str, Any]] = []
    if not latest["eligible"]:
        found.append({"code": "check_ineligible", "failed": [r["code"] for r in latest["reasons"]
                                                              if not r["passed"]]})
    if entitled is not None and amount != entitled:
        found.append({"code": "amount_not_entitlement", "entitlement": str(entitled), "amount": str(amount)})
    return found, entitled


def _override(ctx: Ctx, case: Case, body: s.AidApproveBody, departures: list[dict[str, Any]],
              entitled: Decimal | None) -> dict[str, Any] | None:
    """An approval against the latest check needs a leader's override with a reason (app/core/overrides.py)."""
    detail = {"entitlement": str(entitled) if entitled is not None else None, "amount": str(body.amount),
              "check": case.payload["eligibility"]}
    return overrides.hold(ctx, case, decision="approve", departures=departures, override=body.override,
                          audit_action="aid.override", detail=detail)


async def approve(ctx: Ctx, case: Case, actor: Actor, body: s.AidApproveBody, view: CaseView) -> dict:
    departures, entitled = _departures(case, body.amount)
    override = _override(ctx, case, body, departures, entitled)
    start = el.start_month(ctx.today)
    monthly = case.payload["scheme"] != "temporary"
    decision = {"result": "approved", "amount": str(body.amount), "monthly": monthly,
                "start_month": start if monthly else None, "note": body.note, "override": override,
                "entitlement": str(entitled) if entitled is not None else None, **recorded_by(ctx)}
    case.stage_due = None
    update_payload(case, decision=decision)
    what = service.SCHEME_NAMES[case.payload["scheme"]]
    text = (f"您的{what}申请已批准，每月 {body.amount} 元，自 {start} 起发放。" if monthly
            else f"您的{what}申请已批准，救助金 {body.amount} 元。")
    return {"decision": decision, **await record_reply(ctx, case, text, decision="approved"),
            "notify_requester": True}


async def reject(ctx: Ctx, case: Case, actor: Actor, body: s.AidRejectBody, view: CaseView) -> dict:
    notice_due = await _due(ctx, case, "rejection_notice")
    decision = {"result": "rejected", "reasons": body.reasons, "legal_basis": body.legal_basis,
                "written_notice_due": notice_due.isoformat(), **recorded_by(ctx)}
    case.stage_due = None
    update_payload(case, decision=decision)
    what = service.SCHEME_NAMES[case.payload["scheme"]]
    text = f"您的{what}申请不予批准。理由：{body.reasons}"
    return {"decision": decision, **await record_reply(ctx, case, text, decision="rejected", basis=body.legal_basis),
            "notify_requester": True}


async def on_stage_due(ctx: Ctx, case: Case) -> None:
    """No list of missing materials in time: accepted by rule. A notice's end: the decision's clock starts; its
    end unmet: the decision is marked overdue."""
    if case.stage_due is None or case.stage_due > ctx.now:
        return
    due, before = case.stage_due, case.status
    if case.stage == Stage.applied:  # whatever the case is doing meanwhile (a return under review), the rule holds
        case.stage, case.stage_due = Stage.accepted, None
        if Status(case.status) in AT_UNIT:
            case.status = Status.in_progress
            sign_for(ctx, case)  # accepted by rule is in the station's hands: its assignment is signed, as by accept
        update_payload(case, accepted={"at": ctx.now.isoformat(), "by_user_id": None, "by_rule": True})
        data = {"stage_from": Stage.applied, "stage_to": Stage.accepted, "list_due": due.isoformat(),
                "notify_requester": True}
        reason = "未在时限内一次性告知需补齐的材料，视为受理 / no list of missing materials in time: accepted by rule"
        kind = "accept_by_rule"
    elif case.stage == Stage.notice and not case.payload.get("decision_due"):
        decision_due = await _set_due(ctx, case, "stage_due", "decision", due)
        data = {"notice_ended": due.isoformat(), "decision_due": decision_due.isoformat()}
        update_payload(case, decision_due=decision_due.isoformat())
        reason, kind = "公示期满无异议 / the notice ended without objection", "notice_ended"
    elif case.stage == Stage.notice:
        case.stage_due = None
        data = {"decision_due": due.isoformat()}
        reason, kind = "公示期满后未在时限内作出决定 / no decision in time after the notice", "decision_overdue"
    else:
        case.stage_due = None
        return
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, kind, from_status=before, to_status=case.status, reason=reason, data=data)


def present_payload(payload: dict[str, Any], principal: Any) -> dict[str, Any]:
    if principal.role != Role.resident:
        return payload
    # Who objected stays with the staff: the applicant sees that there was an objection, not whose.
    return without_keys(payload, frozenset({"by_user_id", "by"}))
