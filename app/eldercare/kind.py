"""The `eldercare` kind: how a care order plugs into the case spine.

The order goes to the unit kind the care policy names (the community
workstation) nearest the elder's home, is due by the policy's limit for the
service (hours for emergency help), and runs the stages in eldercare.rules.
Scheduling books a provider organisation or a volunteer for a visit.
"""

from datetime import timedelta
from typing import Any

from app.calendar.deadlines import Limit
from app.care_policy.service import current_policy, skill_taxonomy
from app.cases.access import sign_for
from app.cases.accountability import record_reply
from app.cases.kinds import recorded_by, update_payload
from app.cases.lifecycle import Actor, CaseView
from app.core import overrides
from app.core.clock import age_on
from app.core.context import Ctx
from app.core.errors import AppError
from app.eldercare import eligibility, repository, rules
from app.eldercare import schemas as s
from app.models import CareVisit, Case
from app.people import repository as people_repo
from app.people import service as people
from app.routing.rules import Decision, Step, route_to_kind
from app.units import repository as units_repo
from app.volunteers import repository as volunteers_repo


def facts(case: Case) -> dict[str, Any]:
    return {"visits": dict(case.payload.get("visits", {}))}


def route(snap: Any, case: Case) -> Decision:
    kind = case.payload["unit_kind"]
    zh, en = rules.SERVICE_NAMES[case.payload["service_type"]]
    return route_to_kind(snap, case.region_code, kind, Step(
        f"居家养老服务（{zh}）由{snap.kind_names.get(kind, kind)}就近受理和派单",
        f"Home care ({en}) is taken by the nearest unit of kind {kind}"))


def handling_limit(case: Case) -> Limit:
    return Limit.parse(case.payload["limit"])


async def refresh_counts(ctx: Ctx, case: Case) -> dict[str, int]:
    counts = await repository.counts(ctx.session, case.id)  # type: ignore[arg-type]
    update_payload(case, visits=counts)
    return counts


async def _check_volunteer(ctx: Ctx, case: Case, body: s.ScheduleBody) -> None:
    found = await volunteers_repo.with_person(ctx.session, body.volunteer_id)  # type: ignore[arg-type]
    field = [{"field": "volunteer_id", "code": ""}]
    if found is None or found[0].status != "approved":
        raise AppError("volunteer_not_approved", 422, field_errors=[{**field[0], "code": "volunteer_not_approved"}])
    volunteer, person = found
    policy = await current_policy(ctx.state, ctx.session)
    taxonomy = await skill_taxonomy(ctx.state, ctx.session)
    service = case.payload["service_type"]
    if not any(service in taxonomy[c].service_types for c in volunteer.skills if c in taxonomy):
        raise AppError("volunteer_lacks_skill", 422, field_errors=[{**field[0], "code": "volunteer_lacks_skill"}])
    if age_on(person.birth_date, ctx.today) < policy.volunteers.individual_visit_min_age:
        raise AppError("volunteer_too_young", 422, min_age=policy.volunteers.individual_visit_min_age,
                       field_errors=[{**field[0], "code": "volunteer_too_young"}])
    end = body.scheduled_at + timedelta(minutes=body.planned_minutes)
    busy = await volunteers_repo.busy_windows(ctx.session, [volunteer.id], body.scheduled_at, end)  # type: ignore[list-item]
    if busy[volunteer.id]:  # type: ignore[index]
        raise AppError("schedule_clash", 409)


async def _check_provider(ctx: Ctx, body: s.ScheduleBody) -> None:
    unit = await units_repo.get(ctx.session, body.provider_unit_id)  # type: ignore[arg-type]
    policy = await current_policy(ctx.state, ctx.session)
    if unit is None or not unit.active or unit.kind not in policy.provider_unit_kinds:
        raise AppError("provider_invalid", 422, kinds=", ".join(policy.provider_unit_kinds),
                       field_errors=[{"field": "provider_unit_id", "code": "provider_invalid"}])


# --- the subsidy, held to the latest eligibility result ------------------------------------------------------

def eligibility_read(person_id: int, service_type: str, result: eligibility.Eligibility, policy: str,
                     checked_at: str) -> dict[str, Any]:
    """The eligibility result as the order keeps it: the latest, with when it was worked out."""
    read = s.CareEligibilityRead(person_id=person_id, service_type=service_type, subsidised=result.subsidised,
                                 level=result.level, level_name=result.level_name, percent=result.percent,
                                 age=result.age, reasons=[s.CareReasonRead(**r.as_dict()) for r in result.reasons],
                                 policy=policy)
    return {**read.model_dump(), "checked_at": checked_at}


def _same_result(a: dict[str, Any], b: dict[str, Any]) -> bool:
    keys = ("subsidised", "level", "percent", "policy")
    return all(a.get(k) == b.get(k) for k in keys) and [r["code"] for r in a["reasons"]] == [
        r["code"] for r in b["reasons"]]


async def refresh_facts(ctx: Ctx, case: Case) -> None:
    """The register (a new assessment, a 低保 status ended), the policy and the elder's age change: eligibility is
    worked out again whenever the unit acts, and the order always shows the latest result. A change is on the
    timeline."""
    person = await people_repo.get(ctx.session, case.payload["person_id"])
    if person is None:
        return
    policy = await current_policy(ctx.state, ctx.session)
    result = eligibility.decide(policy, await people.facts(ctx, person), case.payload["service_type"], ctx.today)
    latest = eligibility_read(person.id, case.payload["service_type"], result, policy.code,  # type: ignore[arg-type]
                              ctx.now.isoformat())
    before = case.payload["eligibility"]
    update_payload(case, eligibility=latest)
    if not _same_result(before, latest):
        ctx.event(case, "eligibility_changed", from_status=case.status, to_status=case.status,
                  data={"before": eligibility.basis(before), "after": eligibility.basis(latest),
                        "reasons": [r["code"] for r in latest["reasons"]]})


def _subsidy(ctx: Ctx, level: str | None, percent: int, latest: dict[str, Any], *, by_rule: bool,
             note: str | None = None, override: dict[str, Any] | None = None) -> dict[str, Any]:
    return {"level": level, "percent": percent, "by_rule": by_rule, "basis": eligibility.basis(latest),
            "note": note, "override": override, **recorded_by(ctx)}


async def decide_subsidy(ctx: Ctx, case: Case, actor: Actor, body: s.SubsidyDecisionBody, view: CaseView) -> dict:
    """The lead unit decides the subsidy the order runs under. Another band or percent than the latest eligibility
    result, or a subsidy the result does not give, needs a leader's override with a reason."""
    policy = await current_policy(ctx.state, ctx.session)
    bands = {b.level: b for b in policy.subsidy_bands}
    if body.level is not None and body.level not in bands:
        raise AppError("subsidy_level_unknown", 422, levels=", ".join(bands),
                       field_errors=[{"field": "level", "code": "subsidy_level_unknown"}])
    percent = body.percent if body.percent is not None else (bands[body.level].percent if body.level else 0)
    latest = case.payload["eligibility"]
    departures = eligibility.subsidy_departures(latest, body.level, percent)
    override = overrides.hold(ctx, case, decision="decide_subsidy", departures=departures, override=body.override,
                              audit_action="eldercare.override",
                              detail={"subsidy": {"level": body.level, "percent": percent},
                                      "eligibility": eligibility.basis(latest)})
    sign_for(ctx, case)
    subsidy = _subsidy(ctx, body.level, percent, latest, by_rule=False, note=body.note, override=override)
    update_payload(case, subsidy=subsidy)
    return {"subsidy": {"level": body.level, "percent": percent}, "overridden": override is not None}


async def reassess(ctx: Ctx, case: Case, actor: Actor, body: s.ReassessBody, view: CaseView) -> dict:
    """Works the eligibility out again from the register now (refresh_facts did) and records it on the timeline."""
    latest = case.payload["eligibility"]
    return {"eligibility": eligibility.basis(latest), "reasons": [r["code"] for r in latest["reasons"]],
            "note": body.note}


def _visit_subsidy(ctx: Ctx, case: Case, body: s.ScheduleBody) -> dict[str, Any]:
    """The subsidy a new visit runs under. Decided by rule (or not yet): the latest result's. Decided by staff
    against a result that has changed since: held to the latest result, so booking under it needs the override."""
    latest = case.payload["eligibility"]
    current = case.payload.get("subsidy")
    if current is None or current.get("by_rule"):
        overrides.hold(ctx, case, decision="schedule", departures=[], override=body.override,
                       audit_action="eldercare.override")
        current = _subsidy(ctx, latest["level"], int(latest["percent"]), latest, by_rule=True)
    elif current["basis"] != eligibility.basis(latest):
        departures = [{**d, "decided_at": current["at"]}
                      for d in eligibility.subsidy_departures(latest, current["level"], current["percent"])]
        override = overrides.hold(ctx, case, decision="schedule", departures=departures, override=body.override,
                                  audit_action="eldercare.override",
                                  detail={"subsidy": {"level": current["level"], "percent": current["percent"]},
                                          "eligibility": eligibility.basis(latest)})
        current = {**current, "basis": eligibility.basis(latest),
                   "override": override if override is not None else current.get("override")}
    else:
        overrides.hold(ctx, case, decision="schedule", departures=[], override=body.override,
                       audit_action="eldercare.override")
    update_payload(case, subsidy=current)
    return {"level": current["level"], "percent": current["percent"], "by_rule": current["by_rule"]}


async def schedule(ctx: Ctx, case: Case, actor: Actor, body: s.ScheduleBody, view: CaseView) -> dict:
    if body.scheduled_at < ctx.now - timedelta(seconds=ctx.state.settings.device_clock_skew_seconds):
        raise AppError("scheduled_in_past", 422, field_errors=[{"field": "scheduled_at", "code": "scheduled_in_past"}])
    if body.volunteer_id is not None:
        await _check_volunteer(ctx, case, body)
    else:
        await _check_provider(ctx, body)
    subsidy = _visit_subsidy(ctx, case, body)
    sign_for(ctx, case)
    visit = CareVisit(case_id=case.id, provider_unit_id=body.provider_unit_id, volunteer_id=body.volunteer_id,  # type: ignore[arg-type]
                      scheduled_at=body.scheduled_at, planned_minutes=body.planned_minutes, status="scheduled",
                      created_at=ctx.now, created_by=ctx.principal.user_id)
    ctx.session.add(visit)
    await ctx.session.flush()
    counts = await refresh_counts(ctx, case)
    case.stage = rules.stage_after_visits(counts, case.stage or rules.Stage.requested)
    return {"visit_id": visit.id, "volunteer_id": body.volunteer_id, "provider_unit_id": body.provider_unit_id,
            "scheduled_at": body.scheduled_at.isoformat(), "subsidy": subsidy, "notify_requester": True}


async def cancel_visit(ctx: Ctx, case: Case, actor: Actor, body: s.CancelVisitBody, view: CaseView) -> dict:
    visit = await repository.visit(ctx.session, body.visit_id)
    if visit is None or visit.case_id != case.id:
        raise AppError("visit_not_found", 422, field_errors=[{"field": "visit_id", "code": "visit_not_found"}])
    if visit.status != "scheduled":
        raise AppError("visit_not_cancellable", 409, status=visit.status)
    visit.status = "cancelled"
    await ctx.session.flush()
    counts = await refresh_counts(ctx, case)
    case.stage = rules.stage_after_visits(counts, case.stage or rules.Stage.requested)
    return {"visit_id": visit.id, "reason": body.reason}


async def complete(ctx: Ctx, case: Case, actor: Actor, body: s.CompleteBody, view: CaseView) -> dict:
    visits = [v for v in await repository.visits_of(ctx.session, case.id) if v.status == "done"]  # type: ignore[arg-type]
    minutes = sum(v.minutes or 0 for v in visits)
    zh, _ = rules.SERVICE_NAMES[case.payload["service_type"]]
    text = body.text or f"{zh}服务已完成，共上门 {len(visits)} 次，服务时长合计 {minutes} 分钟。"
    for v in await repository.visits_of(ctx.session, case.id):  # type: ignore[arg-type]
        if v.status == "scheduled":
            v.status = "cancelled"
    await ctx.session.flush()
    await refresh_counts(ctx, case)
    return {"visits": len(visits), "minutes": minutes, **await record_reply(ctx, case, text),
            "notify_requester": True}


def present_payload(payload: dict[str, Any], principal: Any) -> dict[str, Any]:
    out = dict(payload)
    ordered = dict(out.get("ordered_by") or {})
    ordered.pop("user_id", None)
    out["ordered_by"] = ordered
    return out


async def elder_of(ctx: Ctx, case: Case) -> Any:
    return await people_repo.get(ctx.session, case.payload["person_id"])
