"""The `mediation` kind: how a dispute plugs into the case spine.

The category rules route it to the people's mediation committee of the place
(the judicial office and the community assist); it is due within the
profile's month; the stages run in mediation.rules. An effective agreement
is the committee's reply, so the callback follows; the sweep reminds the
parties before the judicial-confirmation window closes and marks its close.
"""

from datetime import datetime, timedelta
from typing import Any

from app.calendar.deadlines import Limit, due_after
from app.calendar.service import current_calendar, deployment_profile
from app.cases.access import sign_for
from app.cases.accountability import record_reply
from app.cases.dispatching import hand_to
from app.cases.kinds import parse_instant, recorded_by, update_payload, without_keys
from app.cases.lifecycle import Actor, CaseView
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.roles import Role
from app.files import service as files
from app.mediation import acceptance, repository
from app.mediation import schemas as s
from app.mediation.limits import MediationLimits
from app.mediation.rules import Stage
from app.models import Case
from app.routing import service as routing
from app.routing.rules import Step, lead_of_kind, region_chain


def facts(case: Case) -> dict[str, Any]:
    agreement = case.payload.get("agreement") or {}
    signatures = agreement.get("signatures", {})
    missing = acceptance.missing_signatures(len(case.payload["parties"]), signatures.get("parties", []),
                                            bool(signatures.get("mediator")))
    return {"missing_signatures": [_who(case, m) for m in missing],
            "window_ends": parse_instant(agreement.get("confirmation_window_ends"))}


def _who(case: Case, marker: str) -> str:
    if marker == "mediator":
        return "调解员"
    return case.payload["parties"][int(marker.split(":")[1])]["name"]


def handling_limit(case: Case) -> Limit:
    return Limit.parse(case.payload["limit"])


async def session(ctx: Ctx, case: Case, actor: Actor, body: s.SessionBody, view: CaseView) -> dict:
    if body.held_on > ctx.today:
        raise AppError("session_in_future", 422, field_errors=[{"field": "held_on", "code": "session_in_future"}])
    sign_for(ctx, case)
    record = {"no": len(case.payload["sessions"]) + 1, **body.model_dump(mode="json"), **recorded_by(ctx)}
    update_payload(case, sessions=[*case.payload["sessions"], record])
    return {"session": record["no"]}


async def draft(ctx: Ctx, case: Case, actor: Actor, body: s.AgreementBody, view: CaseView) -> dict:
    await files.attach(ctx, case.id, files.refs(body.files, "files"), purpose="agreement", sensitive=True)
    agreement = {**body.model_dump(mode="json"), "parties": [{"index": p["index"], "name": p["name"],
                                                               "role": p["role"]} for p in case.payload["parties"]],
                 "drafted": recorded_by(ctx), "signatures": {"parties": [], "mediator": None, "log": []}}
    update_payload(case, agreement=agreement)
    return {"terms": len(body.terms)}


async def sign(ctx: Ctx, case: Case, actor: Actor, body: s.SignatureBody, view: CaseView) -> dict:
    agreement = dict(case.payload["agreement"])
    signatures = dict(agreement["signatures"])
    if body.party is not None:
        if body.party >= len(case.payload["parties"]):
            raise AppError("party_unknown", 422, field_errors=[{"field": "party", "code": "party_unknown"}])
        if body.party in signatures["parties"]:
            raise AppError("already_signed", 409)
        signatures["parties"] = sorted([*signatures["parties"], body.party])
        who = case.payload["parties"][body.party]["name"]
    else:
        if signatures["mediator"]:
            raise AppError("already_signed", 409)
        signatures["mediator"] = agreement["mediator"]
        who = agreement["mediator"]
    signatures["log"] = [*signatures["log"], {"who": who, **recorded_by(ctx)}]
    agreement["signatures"] = signatures
    update_payload(case, agreement=agreement)
    return {"signed": who}


async def seal(ctx: Ctx, case: Case, actor: Actor, body: s.SealBody, view: CaseView) -> dict:
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    zone = ctx.zone
    limits = profile.section("mediation", MediationLimits)
    ends = due_after(ctx.now, limits["confirmation_window"], calendar, zone).at
    remind = due_after(ends, limits["confirmation_reminder_before"], calendar, zone).at
    remind_at = ends - (remind - ends)  # as long before the end as the limit is after it
    await files.attach(ctx, case.id, files.refs(body.files, "files"), purpose="agreement", sensitive=True)
    agreement = {**case.payload["agreement"], "seal_no": body.seal_no, "effective_at": ctx.now.isoformat(),
                 "confirmation_window_ends": ends.isoformat(), "sealed": recorded_by(ctx),
                 **({"files": body.files} if body.files else {})}
    update_payload(case, agreement=agreement)
    case.stage_due = max(remind_at, ctx.now)
    terms = "；".join(f"{t['term']}（{t['method']}，{t['deadline']}前）" for t in agreement["terms"])
    text = (f"调解协议已经各方当事人和调解员签名、调解委员会盖章，自即日起生效。协议内容：{terms}。"
            f"双方可于 {ends.astimezone(zone).date().isoformat()} 前共同向人民法院申请司法确认。")
    replied = await record_reply(ctx, case, text, outcome="agreement")
    return {"effective_at": ctx.now.isoformat(), "confirmation_window_ends": ends.isoformat(), **replied,
            "notify_requester": True}


async def apply_confirmation(ctx: Ctx, case: Case, actor: Actor, body: s.ConfirmationBody, view: CaseView) -> dict:
    ends = datetime.fromisoformat(case.payload["agreement"]["confirmation_window_ends"])
    refusal = acceptance.confirmation_refusal(body.applicants, len(case.payload["parties"]), ends, ctx.now)
    if refusal is not None:
        raise AppError(refusal, 422 if refusal == "confirmation_not_joint" else 409, ends=ends.isoformat(),
                       field_errors=[{"field": "applicants", "code": refusal}])
    case.stage_due = None
    update_payload(case, confirmation={"applicants": sorted(body.applicants), "court": body.court, **recorded_by(ctx)})
    return {"court": body.court}


async def record_confirmation(ctx: Ctx, case: Case, actor: Actor, body: s.ConfirmationResultBody,
                               view: CaseView) -> dict:
    update_payload(case, confirmation={**case.payload["confirmation"], "result": body.result,
                                       "ruling_no": body.ruling_no, "recorded": recorded_by(ctx)})
    case.stage = Stage.confirmed if body.result == "confirmed" else Stage.confirmation_refused
    return {"result": body.result}


async def fail(ctx: Ctx, case: Case, actor: Actor, body: s.FailBody, view: CaseView) -> dict:
    sign_for(ctx, case)
    routes = case.payload["other_routes"]
    update_payload(case, failure={"reason": body.reason, "note": body.note, "routes": routes, **recorded_by(ctx)})
    text = f"调解未能达成协议（{body.note}）。当事人可以{acceptance.routes_text(routes)}。"
    return {"routes": routes, **await record_reply(ctx, case, text, outcome="failed"), "notify_requester": True}


async def transfer(ctx: Ctx, case: Case, actor: Actor, body: s.TransferBody, view: CaseView) -> dict:
    handoff = await repository.handoff(ctx.session, body.to)
    if handoff is None:
        raise AppError("handoff_unknown", 422, field_errors=[{"field": "to", "code": "handoff_unknown"}])
    snap = await routing.snapshot(ctx.state, ctx.session)
    steps = [Step(f"大调解移交：{handoff.name}", f"Big-mediation hand-off: {handoff.name_en}")]
    unit, fallback = lead_of_kind(snap, region_chain(snap, case.region_code), handoff.unit_kind, steps)
    data = await hand_to(ctx, case, unit.id, retired_status="transferred")
    update_payload(case, transfer={"to": body.to, "reason": body.reason, "unit_id": unit.id, **recorded_by(ctx)})
    return {"to": body.to, "unit_id": unit.id, "fallback": fallback, **data,
            "trace": [st.as_dict() for st in steps]}


async def answer_handoff(ctx: Ctx, case: Case, actor: Actor, body: s.HandoffAnswerBody, view: CaseView) -> dict:
    return {**await record_reply(ctx, case, body.text, signer=body.signer, outcome="handed_on"),
            "notify_requester": True}


async def on_stage_due(ctx: Ctx, case: Case) -> None:
    """A reminder before the confirmation window closes, then its close."""
    if case.stage_due is None or case.stage_due > ctx.now:
        return
    if case.stage != Stage.agreement_effective:
        case.stage_due = None
        return
    agreement = case.payload["agreement"]
    ends = datetime.fromisoformat(agreement["confirmation_window_ends"])
    if ctx.now < ends and not agreement.get("reminded_at"):
        update_payload(case, agreement={**agreement, "reminded_at": ctx.now.isoformat()})
        case.stage_due = ends + timedelta(seconds=1)
        kind, reason = "confirmation_reminder", "提醒：司法确认申请期限即将届满 / the confirmation window closes soon"
        data: dict[str, Any] = {"window_ends": ends.isoformat(), "notify_requester": True}
    else:
        case.stage_due = None
        kind, reason = "confirmation_window_closed", "司法确认申请期限已届满 / the confirmation window has closed"
        data = {"window_ends": ends.isoformat()}
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, kind, from_status=case.status, to_status=case.status, reason=reason, data=data)


def present_payload(payload: dict[str, Any], principal: Any) -> dict[str, Any]:
    out = dict(payload)
    out["parties"] = [{k: v for k, v in p.items() if k != "phone_cipher"} for p in payload.get("parties", [])]
    return without_keys(out, frozenset({"by_user_id"})) if principal.role == Role.resident else out
