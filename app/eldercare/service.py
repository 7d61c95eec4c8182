"""Eldercare orders: eligibility, intake, volunteer matching, visits at the home. Never commits.

An order is filed for a person in the register by the elder, a family member
(a household link in the register), a community worker or a hotline agent.
Check-in and check-out are recorded by whoever does the visit (the volunteer,
the provider's staff) or by the lead unit for them; a volunteer's visit
becomes certified service hours and time-bank hours at check-out. The elder
or family rate the visit, or an agent records their rating on a callback.
"""

from datetime import datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from app.care_policy.service import current_policy, skill_taxonomy
from app.cases import repository as cases_repo
from app.cases import service as cases
from app.cases.access import can_see, lead_assignment
from app.cases.lifecycle import Status
from app.core import audit
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.core.security import mask_phone
from app.eldercare import eligibility, kind, matching, repository, rules
from app.eldercare import schemas as s
from app.models import CareVisit, Case, Person, ServiceHours
from app.people import service as people
from app.volunteers import repository as volunteers_repo
from app.volunteers import rules as volunteer_rules
from app.volunteers import timebank
from app.volunteers.tasks import attendance_time, check_in_opens, check_out_time

ORDER_ROLES = frozenset({Role.resident, Role.unit_staff, Role.agent})
CANDIDATE_ROLES = frozenset({Role.unit_staff, Role.dispatcher, Role.agent, Role.admin})
# What the elder is to the caller, for the caller to order or rate as family (the elder may be their ward).
FAMILY = frozenset({"spouse", "parent", "grandparent", "sibling", "child", "grandchild", "ward"})
FINISHED = frozenset({Status.closed, Status.withdrawn})


async def _decide(ctx: Ctx, person: Person, service_type: str) -> eligibility.Eligibility:
    policy = await current_policy(ctx.state, ctx.session)
    return eligibility.decide(policy, await people.facts(ctx, person), service_type, ctx.today)


def present_eligibility(person_id: int, service_type: str, result: eligibility.Eligibility,
                        policy: str) -> s.CareEligibilityRead:
    return s.CareEligibilityRead(person_id=person_id, service_type=service_type, subsidised=result.subsidised,
                             level=result.level, level_name=result.level_name, percent=result.percent,
                             age=result.age, reasons=[s.CareReasonRead(**r.as_dict()) for r in result.reasons],
                             policy=policy)


async def check_eligibility(ctx: Ctx, body: s.EligibilityQuery) -> s.CareEligibilityRead:
    person, relation = await people.visible(ctx, body.person_id)
    if relation is None:  # staff read the person's status flags
        people.audit_read(ctx, person, "eldercare.eligibility", service_type=body.service_type)
    result = await _decide(ctx, person, body.service_type)
    return present_eligibility(person.id, body.service_type, result, ctx.state.settings.care_policy)  # type: ignore[arg-type]


async def _orderer(ctx: Ctx, person: Person, relation: str | None) -> dict[str, Any]:
    role = ctx.principal.role
    if role not in ORDER_ROLES:
        raise AppError("forbidden", 403)
    if role == Role.resident:
        if relation != "self" and relation not in FAMILY:
            raise AppError("not_family", 403)
        return {"relation": "self" if relation == "self" else "family", "family_relation": relation,
                "role": role.value, "user_id": ctx.principal.user_id}
    return {"relation": "staff", "role": role.value, "user_id": ctx.principal.user_id, "name": ctx.principal.name}


async def order(ctx: Ctx, body: s.OrderCreate) -> Case:
    person, relation = await people.visible(ctx, body.person_id)
    ordered_by = await _orderer(ctx, person, relation)
    skew = timedelta(seconds=ctx.state.settings.device_clock_skew_seconds)
    if body.scheduled_at is not None and body.scheduled_at < ctx.now - skew:
        raise AppError("scheduled_in_past", 422, field_errors=[{"field": "scheduled_at", "code": "scheduled_in_past"}])
    policy = await current_policy(ctx.state, ctx.session)
    result = eligibility.decide(policy, await people.facts(ctx, person), body.service_type, ctx.today)
    limit = policy.handling_limit(body.service_type)
    zh, en = rules.SERVICE_NAMES[body.service_type]
    payload = {
        "person_id": person.id, "service_type": body.service_type, "unit_kind": policy.order_unit_kind,
        "limit": {limit.unit: limit.amount}, "policy": policy.code,
        # The register holds the person; the order keeps only what the visit sheet prints, as it was then.
        "elder": {"name": person.name, "age": result.age},
        "scheduled_at": body.scheduled_at.isoformat() if body.scheduled_at else None, "notes": body.notes,
        # The latest result, worked out again whenever the unit acts (kind.refresh_facts).
        "eligibility": kind.eligibility_read(person.id, body.service_type, result, policy.code,  # type: ignore[arg-type]
                                             ctx.now.isoformat()),
        "ordered_by": ordered_by, "visits": {},
    }
    resident = ctx.principal.role == Role.resident
    case = Case(kind="eldercare", channel="app" if resident else ("hotline" if ctx.principal.role == Role.agent
                                                                   else "staff"),
                category_code="elderly.home_care", work_order_type="help",
                urgency="critical" if body.service_type == "emergency" else "normal", stage=rules.Stage.requested,
                title=f"{zh}：{person.name}", description=body.notes or f"居家养老服务申请：{zh}（{en}）",
                region_code=person.region_code, address=person.address,
                requester_user_id=ctx.principal.user_id if resident else None, caller_name=person.name,
                caller_phone=person.phone, payload=payload)
    if not resident:
        people.audit_read(ctx, person, "eldercare.order")
    return await cases.open_case(ctx, case, created={"service_type": body.service_type,
                                                     "subsidised": result.subsidised, "level": result.level})


async def load_order(ctx: Ctx, case_id: int) -> Case:
    case = await cases.load_visible(ctx, case_id, with_children=False)
    if case.kind != "eldercare":
        raise NotFound("case_not_found")
    return case


async def candidates(ctx: Ctx, case_id: int, at: datetime | None, limit: int) -> s.CandidatesRead:
    if ctx.principal.role not in CANDIDATE_ROLES:
        raise AppError("forbidden", 403)
    case = await load_order(ctx, case_id)
    policy = await current_policy(ctx.state, ctx.session)
    taxonomy = await skill_taxonomy(ctx.state, ctx.session)
    service = case.payload["service_type"]
    needed = matching.needed_skills(service, [(c, t.service_types) for c, t in taxonomy.items()])
    when = at or (datetime.fromisoformat(case.payload["scheduled_at"]) if case.payload.get("scheduled_at")
                  else ctx.now)
    minutes = 60
    pool = await volunteers_repo.approved_in(ctx.session, case.region_code[:6])
    busy = await volunteers_repo.busy_windows(ctx.session, [v.id for v, _ in pool], when,  # type: ignore[misc]
                                              when + timedelta(minutes=minutes))
    today = ctx.today
    facts = [matching.VolunteerFacts(
        id=v.id, name=p.name, region_code=v.region_code, skills=frozenset(v.skills),  # type: ignore[arg-type]
        slots=tuple(matching.Slot(x["weekday"], _time(x["start"]), _time(x["end"])) for x in v.availability),
        age=eligibility.age_on(p.birth_date, today), rating_sum=v.rating_sum, rating_count=v.rating_count,
        busy=tuple(busy.get(v.id, ()))) for v, p in pool]  # type: ignore[arg-type]
    ranked, excluded = matching.rank(facts, needed_skills=needed, elder_region=case.region_code, at=when,
                                     minutes=minutes, min_age=policy.volunteers.individual_visit_min_age,
                                     zone=ZoneInfo(ctx.state.settings.timezone), limit=limit,
                                     skill_names={c: (t.name, t.name_en) for c, t in taxonomy.items()})
    left_out: dict[str, int] = {}
    for e in excluded:
        left_out[e.code] = left_out.get(e.code, 0) + 1
    return s.CandidatesRead(case_id=case.id, service_type=service, needed_skills=sorted(needed), at=when,  # type: ignore[arg-type]
                            candidates=[s.CandidateRead(volunteer_id=c.volunteer_id, name=c.name, score=c.score,
                                                        skills=list(c.skills), reasons=[r[0] for r in c.reasons],
                                                        reasons_en=[r[1] for r in c.reasons]) for c in ranked],
                            excluded=left_out)


def _time(text: str) -> time:
    hour, minute = text.split(":")
    return time(int(hour), int(minute))


# --- visits ------------------------------------------------------------------------------------------------

async def _visit_and_case(ctx: Ctx, visit_id: int) -> tuple[CareVisit, Case, str]:
    """The visit, its order (row locked), and the capacity the caller records it in; 404 for anyone else."""
    visit = await repository.visit(ctx.session, visit_id)
    if visit is None:
        raise NotFound("visit_not_found")
    case = await cases_repo.locked(ctx.session, visit.case_id)
    assert case is not None
    await ctx.session.refresh(visit)  # read again under the order's lock: concurrent visit changes queue behind it
    p = ctx.principal
    if visit.volunteer_id is not None:
        mine = await volunteers_repo.by_user(ctx.session, p.user_id)
        if mine is not None and mine.id == visit.volunteer_id:
            return visit, case, "volunteer"
    if p.role == Role.unit_staff and p.unit_id is not None:
        if visit.provider_unit_id == p.unit_id:
            return visit, case, "provider"
        lead = lead_assignment(case)
        if lead is not None and lead.unit_id == p.unit_id:
            return visit, case, "lead"
    raise NotFound("visit_not_found")


def _touch(ctx: Ctx, case: Case, type_: str, data: dict[str, Any]) -> None:
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, type_, from_status=case.status, to_status=case.status, data=data)


async def check_in(ctx: Ctx, visit_id: int, body: s.VisitCheckBody) -> CareVisit:
    visit, case, capacity = await _visit_and_case(ctx, visit_id)
    if Status(case.status) in FINISHED or case.stage == rules.Stage.served:
        raise AppError("order_not_open", 409)
    if visit.status != "scheduled":
        raise AppError("visit_not_scheduled", 409, status=visit.status)
    at = attendance_time(ctx, body.at)
    if at < case.created_at:
        raise AppError("check_in_before_order", 422, field_errors=[{"field": "at", "code": "check_in_before_order"}])
    policy = await check_in_opens(ctx, at, visit.scheduled_at)
    unlocated = body.latitude is None
    if unlocated and capacity == "volunteer" and not policy.volunteers.check_in_without_location:
        raise AppError("check_in_location_required", 422,
                       field_errors=[{"field": "latitude", "code": "check_in_location_required"}])
    visit.status, visit.check_in_at, visit.check_in_lat, visit.check_in_lng = ("checked_in", at, body.latitude,
                                                                               body.longitude)
    visit.unlocated = unlocated
    await ctx.session.flush()
    stage_before = case.stage
    counts = await kind.refresh_counts(ctx, case)
    case.stage = rules.stage_after_visits(counts, case.stage or rules.Stage.requested)
    _touch(ctx, case, "visit_check_in", {"visit_id": visit.id, "at": at.isoformat(), "as": capacity,
                                         "stage_from": stage_before, "stage_to": case.stage,
                                         "located": body.latitude is not None})
    await ctx.session.flush()
    return visit


async def check_out(ctx: Ctx, visit_id: int, body: s.VisitCheckBody) -> tuple[CareVisit, dict[str, Any]]:
    visit, case, capacity = await _visit_and_case(ctx, visit_id)
    at = check_out_time(ctx, visit.status, visit.check_in_at, body.at)
    minutes = volunteer_rules.service_minutes(visit.check_in_at, at)
    # Only the booked window counts: an early check-in counts from its start, a late check-out up to its end,
    # unless staff extended it. Time outside waits for staff to extend the window with a reason.
    certified = volunteer_rules.certified_minutes(visit.check_in_at, at, visit.scheduled_at, window_end(visit))
    visit.status, visit.check_out_at, visit.minutes = "done", at, minutes
    visit.certified_minutes, visit.pending_minutes = certified, max(minutes - certified, 0)
    visit.check_out_lat, visit.check_out_lng = body.latitude, body.longitude
    await ctx.session.flush()
    data: dict[str, Any] = {"visit_id": visit.id, "at": at.isoformat(), "minutes": minutes,
                            "certified_minutes": certified, "pending_minutes": visit.pending_minutes,
                            "unlocated": visit.unlocated, "as": capacity}
    if visit.volunteer_id is not None and certified > 0:
        data.update(await _certify(ctx, visit, case, certified))
    stage_before = case.stage
    counts = await kind.refresh_counts(ctx, case)
    case.stage = rules.stage_after_visits(counts, case.stage or rules.Stage.requested)
    _touch(ctx, case, "visit_check_out", {**data, "stage_from": stage_before, "stage_to": case.stage})
    await ctx.session.flush()
    return visit, data


def window_end(visit: CareVisit) -> datetime:
    """The end of the visit's booked window, as staff may have extended it."""
    return visit.window_ends_at or visit.scheduled_at + timedelta(minutes=visit.planned_minutes)


async def extend_window(ctx: Ctx, visit_id: int, body: s.WindowExtension) -> tuple[CareVisit, dict[str, Any]]:
    """Staff of the ordering or providing unit extend a visit's booked window, with a reason. Done already, the
    minutes the longer window now covers are certified and banked."""
    visit, case, capacity = await _visit_and_case(ctx, visit_id)
    if capacity == "volunteer":
        raise AppError("forbidden", 403)
    if visit.status == "cancelled":
        raise AppError("visit_not_scheduled", 409, status=visit.status)
    if body.ends_at <= visit.scheduled_at:
        raise AppError("window_ends_before_start", 422, starts=visit.scheduled_at.isoformat(),
                       field_errors=[{"field": "ends_at", "code": "window_ends_before_start"}])
    if body.ends_at <= window_end(visit):
        raise AppError("window_not_longer", 422, ends=window_end(visit).isoformat(),
                       field_errors=[{"field": "ends_at", "code": "window_not_longer"}])
    before = window_end(visit)
    visit.window_ends_at, visit.window_reason = body.ends_at, body.reason
    data: dict[str, Any] = {"visit_id": visit.id, "window_ends_before": before.isoformat(),
                            "window_ends_at": body.ends_at.isoformat(), "reason": body.reason}
    if visit.status == "done" and visit.check_in_at is not None and visit.check_out_at is not None:
        now_certified = volunteer_rules.certified_minutes(visit.check_in_at, visit.check_out_at,
                                                          visit.scheduled_at, body.ends_at)
        added = now_certified - (visit.certified_minutes or 0)
        visit.certified_minutes = now_certified
        visit.pending_minutes = max((visit.minutes or 0) - now_certified, 0)
        data.update(certified_minutes=now_certified, added_minutes=added, pending_minutes=visit.pending_minutes)
        if visit.volunteer_id is not None and added > 0:
            data.update(await _certify(ctx, visit, case, added))
    await ctx.session.flush()
    _touch(ctx, case, "visit_window_extended", {**data, "as": capacity})
    audit.record(ctx.session, at=ctx.now, action="visit.extend_window", actor_user_id=ctx.principal.user_id,
                 target_type="care_visit", target_id=visit.id, detail={"reason": body.reason,
                                                                       "ends_at": body.ends_at.isoformat()})
    return visit, data


async def _certify(ctx: Ctx, visit: CareVisit, case: Case, minutes: int) -> dict[str, Any]:
    """The ordering unit certifies the volunteer's visit; the hours go to the record and the time bank. Minutes
    certified later (staff extended the window) are added to the visit's record and banked on their own."""
    found = await volunteers_repo.with_person(ctx.session, visit.volunteer_id)  # type: ignore[arg-type]
    assert found is not None
    volunteer, person = found
    earlier = await volunteers_repo.hours_of_visit(ctx.session, visit.id)  # type: ignore[arg-type]
    if earlier is not None:
        earlier.minutes += minutes
        earlier.ended_at = visit.check_out_at  # type: ignore[assignment]
        volunteer.minutes_total += minutes
        entries = await timebank.deposit(ctx, person, earlier, team=False, minutes=minutes)
        return {"volunteer_id": volunteer.id, "service_hours_id": earlier.id,
                "deposited_minutes": sum(e.minutes for e in entries if e.type == "deposit")}
    zh, _ = rules.SERVICE_NAMES[case.payload["service_type"]]
    hours = ServiceHours(volunteer_id=volunteer.id, visit_id=visit.id, unit_id=case.lead_unit_id,  # type: ignore[arg-type]
                         title=f"居家养老服务：{zh}", started_at=visit.check_in_at, ended_at=visit.check_out_at,  # type: ignore[arg-type]
                         minutes=minutes, certified_at=ctx.now, certified_by=ctx.principal.user_id)
    ctx.session.add(hours)
    await ctx.session.flush()
    volunteer.minutes_total += minutes
    entries = await timebank.deposit(ctx, person, hours, team=False)
    return {"volunteer_id": volunteer.id, "service_hours_id": hours.id,
            "deposited_minutes": sum(e.minutes for e in entries if e.type == "deposit")}


async def rate(ctx: Ctx, visit_id: int, body: s.RatingBody) -> CareVisit:
    visit = await repository.visit(ctx.session, visit_id)
    if visit is None:
        raise NotFound("visit_not_found")
    case = await cases_repo.locked(ctx.session, visit.case_id)
    assert case is not None
    await ctx.session.refresh(visit)
    elder = await kind.elder_of(ctx, case)
    p = ctx.principal
    if p.role in (Role.agent, Role.dispatcher):
        if not can_see(case, p):
            raise NotFound("visit_not_found")
        rated_as = "callback"
    else:
        relation = await people.relation_to_me(ctx, elder) if elder is not None else None
        if relation == "self":
            rated_as = "self"
        elif relation in FAMILY:
            rated_as = "family"
        else:
            raise AppError("rating_not_family", 403)
    if visit.status != "done":
        raise AppError("visit_not_done", 409, status=visit.status)
    if visit.rating is not None:
        raise AppError("visit_already_rated", 409)
    visit.rating, visit.rating_comment, visit.rated_by, visit.rated_as, visit.rated_at = (
        body.stars, body.comment, p.user_id, rated_as, ctx.now)
    if visit.volunteer_id is not None:
        volunteer = await volunteers_repo.get(ctx.session, visit.volunteer_id)
        assert volunteer is not None
        volunteer.rating_sum += body.stars
        volunteer.rating_count += 1
    _touch(ctx, case, "visit_rate", {"visit_id": visit.id, "stars": body.stars, "as": rated_as})
    await ctx.session.flush()
    return visit


async def visits(ctx: Ctx, case_id: int) -> list[CareVisit]:
    case = await load_order(ctx, case_id)
    return await repository.visits_of(ctx.session, case.id)  # type: ignore[arg-type]


async def my_visits(ctx: Ctx) -> list[s.VolunteerVisitRead]:
    volunteer = await volunteers_repo.by_user(ctx.session, ctx.principal.user_id)
    if volunteer is None:
        raise AppError("not_a_volunteer", 403)
    rows = await repository.of_volunteer(ctx.session, volunteer.id)  # type: ignore[arg-type]
    return [s.VolunteerVisitRead(**present_visit(v).model_dump(), service_type=c.payload["service_type"],
                                 elder_name=c.payload["elder"]["name"], address=c.address,
                                 region_code=c.region_code, elder_phone=mask_phone(c.caller_phone))
            for v, c in rows]


def present_visit(visit: CareVisit) -> s.VisitRead:
    return s.VisitRead.model_validate(visit, from_attributes=True)
