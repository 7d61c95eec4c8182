"""Orchestration for the case spine: load, ask the pure rules, change, record. Never commits."""

from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm.attributes import set_committed_value

from app.calendar.service import deployment_profile
from app.cases import reference, repository, resident, views
from app.cases import schemas as s
from app.cases import search as full_text
from app.cases.access import actors_for, can_see
from app.cases.actions import EFFECTS, event_reason
from app.cases.dispatching import apply_decision, decide_lead, route_and_dispatch
from app.cases.due_changes import URGENCY_RANK, handling_class_changed, urgency_changed  # noqa: F401 (URGENCY_RANK for callers)
from app.cases.kinds import get_kind, stage_action_names
from app.cases.lifecycle import ACTIONS, OPEN, LifecycleError, Status, decide
from app.cases.listing import EXPORT_ROLES, case_filter, export_scope, search  # noqa: F401 (callers import them here)
from app.cases.numbering import case_number
from app.core import audit
from app.core.concurrency import require_version
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError, NotFound, field_errors_of
from app.core.roles import Role
from app.core.rows import new_row
from app.core.security import lookup_hash, normalise_mobile
from app.core.staged import attach
from app.core.validators import caller_phone_of
from app.models import Case
from app.routing import service as routing

RESIDENT_CHANNELS = {"app", "web"}
CREATOR_ROLES = {Role.resident, Role.agent, Role.dispatcher}


async def create_case(ctx: Ctx, body: s.CaseCreate) -> Case:
    principal = ctx.principal
    if principal.role not in CREATOR_ROLES:
        raise AppError("forbidden", 403)
    plugin = get_kind(body.kind)
    if not plugin.generic_intake:
        raise AppError("kind_needs_own_intake", 422, kind=plugin.name,
                       field_errors=[{"field": "kind", "code": "kind_needs_own_intake"}])
    channel = body.channel
    if principal.role == Role.resident:
        if channel not in RESIDENT_CHANNELS:
            channel = "app"
    elif channel not in plugin.channels:
        raise AppError("channel_not_allowed", 422, channel=channel)
    payload = plugin.parse_payload(body.payload)
    snap = await routing.snapshot(ctx.state, ctx.session)
    routing.validate_facts(snap, category=body.category, region_code=body.region_code)
    check_district_scope(ctx, body.region_code)
    caller_name: str | None
    if principal.role == Role.resident:
        caller_name, caller_phone = principal.name, normalise_mobile(principal.username)
    else:
        caller_name, caller_phone = body.caller_name, caller_phone_of(body.caller_phone)
    case = new_row(
        Case, kind=plugin.name, channel=channel, category_code=body.category,
        work_order_type=body.work_order_type, urgency=body.urgency,
        stage=plugin.initial_stage, title=body.title, description=body.description,
        region_code=body.region_code, address=body.address, latitude=body.latitude,
        longitude=body.longitude,
        requester_user_id=principal.user_id if principal.role == Role.resident else None,
        caller_name=caller_name, caller_phone=caller_phone, anonymous=body.anonymous,
        hide_contact=body.hide_contact, payload=payload,
        # open_case numbers the case and sets these again as it stores it
        number="", status=Status.received, district_code=body.region_code[:6],
        profile_code=ctx.state.settings.deadline_profile,
    )
    # Only centre staff may hold a case back; a resident's report is always dispatched.
    return await open_case(ctx, case, hold=body.hold and principal.role != Role.resident)


def check_district_scope(ctx: Ctx, region_code: str) -> None:
    scope = ctx.principal.district_scope
    if scope and region_code[:6] != scope:
        raise AppError("region_outside_scope", 422, code=region_code,
                       field_errors=[{"field": "region_code", "code": "region_outside_scope"}])


async def open_case(ctx: Ctx, case: Case, *, hold: bool = False, created: dict[str, Any] | None = None) -> Case:
    """Numbers, stores and (unless held) routes and dispatches a new case a kind's intake has checked.

    The lean write path: the case is routed before it is stored, so that it is written once, as the dispatch
    leaves it (one INSERT through Core, no UPDATE after). Its assignments are staged rows (`app.core.staged`), as
    are its two events, which go through `ctx.event` as every event does (their listeners stage the outbox rows
    and the notifications); each listener sees the case as its event leaves it: received at `create`, dispatched
    at `dispatch`. The flush writes them all; the object then joins the session as if loaded, so later changes to
    it are flushed as updates."""
    district = case.region_code[:6]
    case.number = await case_number(ctx, district)
    case.district_code = district
    case.status = Status.received
    case.caller_phone_hash = (lookup_hash(ctx.state.keys.lookup_key, case.caller_phone)
                              if case.caller_phone else None)
    case.profile_code = await routing.profile_code_for(ctx.state, ctx.session, case.region_code)
    case.created_by, case.created_at, case.updated_at = ctx.principal.user_id, ctx.now, ctx.now
    full_text.refresh(case)
    set_committed_value(case, "assignments", [])  # a new case has none; spares a query
    received = repository.row_values(case)
    data = None
    if not hold:
        data = await route_and_dispatch(ctx, case)  # builds the assignments; the case has no id yet
        case.status = Status.dispatched
    assignments = list(case.assignments)
    case.id = await repository.insert_case(ctx.session, case)
    repository.stage_assignments(ctx.session, case.id, assignments)
    stored = repository.row_values(case)
    if data is not None:
        case.__dict__.update(received)  # the listeners of `create` see the case as received (a transient object)
    events = [ctx.event(case, "create", to_status=Status.received,
                        data={"channel": case.channel, "kind": case.kind, "category": case.category_code,
                              "region_code": case.region_code, **(created or {})})]
    if data is not None:
        case.__dict__.update(stored)
        events.append(ctx.event(case, "dispatch", from_status=Status.received, to_status=Status.dispatched,
                                data=data))
    await ctx.session.flush()  # the staged rows: the assignments, the events and their listeners' rows
    attach(ctx.session, case)  # after its assignments, which the flush made the session's
    # The new case as stored, children included, without reading it back.
    set_committed_value(case, "assignments", sorted(assignments, key=lambda a: a.id))
    set_committed_value(case, "events", events)
    return case


async def load_visible(ctx: Ctx, case_id: int, *, with_children: bool = True, tracked: bool = True) -> Case:
    """The case, if the caller may see it. `tracked=False` for a request that only reads it."""
    case = await repository.get(ctx.session, case_id, with_children=with_children, tracked=tracked)
    if case is None or not can_see(case, ctx.principal):
        raise NotFound("case_not_found")
    return case


async def after_action(ctx: Ctx, case_id: int) -> s.CaseRead | s.ResidentCaseRead:
    """The case as the caller's action left it, even when the action took it out of their unit's hands."""
    case = await repository.get(ctx.session, case_id)
    assert case is not None
    return await present(ctx, case)


async def read(ctx: Ctx, case_id: int, *, reveal_contact: bool = False,
               reason: str | None = None) -> s.CaseRead | s.ResidentCaseRead:
    reason = (reason or "").strip()
    if reveal_contact and len(reason) < 2:
        raise AppError("reveal_reason_required", 422,
                       field_errors=[{"field": "query.reason", "code": "reveal_reason_required"}])
    case = await load_visible(ctx, case_id, tracked=False)  # answered, never changed
    return await present(ctx, case, reveal_contact=reveal_contact, reason=reason)


CONTACT_ROLES = {Role.agent, Role.dispatcher, Role.admin}


async def present(ctx: Ctx, case: Case, *, reveal_contact: bool = False, reason: str | None = None,
                  opened_now: bool = False) -> s.CaseRead | s.ResidentCaseRead:
    """The case as its reader may see it. `opened_now`: the case was opened in this request, so nothing has been
    merged into it or linked to it yet, and the query for those is spared."""
    reveal = False
    if reveal_contact:
        if ctx.principal.role not in CONTACT_ROLES and not (
                ctx.principal.role == Role.unit_staff and not case.hide_contact):
            raise AppError("forbidden", 403)
        reveal = True
        audit.record(ctx.session, at=ctx.now, action="case.reveal_contact", actor_user_id=ctx.principal.user_id,
                     actor_name=ctx.principal.name, target_type="case", target_id=case.id,
                     detail={"reason": reason})
    if ctx.principal.role == Role.resident:
        return await _present_to_requester(ctx, case)
    unit_ids = {a.unit_id for a in case.assignments} | ({case.lead_unit_id} if case.lead_unit_id else set())
    snap = await reference.snapshot(ctx.state, ctx.session)
    units = await reference.units(snap, ctx.session, unit_ids)
    names = reference.category_names(snap, {case.category_code}, ctx.english)
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    master = None
    if case.merged_into_id is not None:
        master = await repository.get(ctx.session, case.merged_into_id, with_children=False, tracked=False)
    duplicates, related = ([], []) if opened_now else await repository.neighbours(ctx.session, id_of(case))
    return views.detail(case, ctx, category_name=names.get(case.category_code, case.category_code),
                        region_name=reference.region_name(snap, case.region_code, ctx.english), units=units,
                        profile=profile, reveal_contact=reveal, master=master, duplicates=duplicates,
                        related=related)


async def _present_to_requester(ctx: Ctx, case: Case) -> s.ResidentCaseRead:
    snap = await reference.snapshot(ctx.state, ctx.session)
    lead_ids = {case.lead_unit_id} if case.lead_unit_id else set()
    units = await reference.units(snap, ctx.session, lead_ids)
    names = reference.category_names(snap, {case.category_code}, ctx.english)
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    return resident.view(case, category_name=names.get(case.category_code, case.category_code),
                         region_name=reference.region_name(snap, case.region_code, ctx.english),
                         lead=units.get(case.lead_unit_id) if case.lead_unit_id else None,
                         payload=get_kind(case.kind).present_payload(case.payload, ctx.principal),
                         allowed=views.allowed_for(case, ctx, profile), now=ctx.now,
                         english=ctx.english)


def _parse_body(action: str, raw: Any) -> Any:
    return _parse_with(s.ACTION_BODIES[action], raw)


def _parse_with(model: Any, raw: Any) -> Any:
    try:
        return model.model_validate(raw if raw is not None else {})
    except ValidationError as exc:
        raise AppError("validation_failed", 422, field_errors=field_errors_of(exc)) from exc


async def perform(ctx: Ctx, case_id: int, action: str, raw_body: Any, expected_version: int | None) -> Case:
    """One action on one case: the spine's lifecycle, or a stage action of the case's kind."""
    if action not in ACTIONS and action not in stage_action_names():
        raise AppError("action_unknown", 404, action=action)
    case = await load_visible(ctx, case_id, with_children=False)
    require_version(expected_version, case.version)
    plugin = get_kind(case.kind)
    profile = await deployment_profile(ctx.state, ctx.session, case.profile_code)
    view = views.case_view(case, ctx, profile)
    actors = actors_for(case, ctx.principal)
    stage = case.stage
    try:
        if plugin.stages is not None and action in plugin.stages.actions:
            body = _parse_with(plugin.stage_bodies[action], raw_body)
            if plugin.refresh_facts is not None:
                await plugin.refresh_facts(ctx, case)
            stage, target, actor = plugin.stages.decide(action, views.stage_view(case, plugin), actors, ctx.now)
            effect = plugin.stage_effects[action]
        else:
            if action not in ACTIONS:
                raise LifecycleError("action_unknown", 404, action=action, kind=case.kind)
            if action in plugin.blocked_actions:
                raise LifecycleError("action_not_for_kind", 409, action=action, kind=case.kind)
            body = _parse_body(action, raw_body)
            outcome = body.outcome() if hasattr(body, "outcome") else None
            target, actor = decide(action, view, actors, ctx.now, outcome)
            effect = EFFECTS[action]
    except LifecycleError as exc:
        allowed = views.allowed_for(case, ctx, profile)
        params = {"action": action, "status": case.status, **exc.params}
        raise AppError(exc.code, exc.http_status, extra={"allowed_actions": allowed}, **params) from exc
    if not await repository.claim_version(ctx.session, id_of(case), case.version):
        raise AppError("version_stale", 412, current="?")
    before, stage_before = case.status, case.stage
    data = await effect(ctx, case, actor, body, view)
    case.status = target
    if stage is not None:  # None: the effect settled the stage itself (a supplement completes it, or not)
        case.stage = stage
    if case.stage != stage_before:
        data = {"stage_from": stage_before, "stage_to": case.stage, **data}
    case.version += 1  # mirrors the claimed row; the flush below writes the same value
    case.updated_at = ctx.now
    ctx.event(case, action, from_status=before, to_status=target, reason=event_reason(body),
              data={"as": actor.value, **data})
    await ctx.session.flush()
    return case


async def update(ctx: Ctx, case_id: int, body: s.CaseUpdate, expected_version: int | None) -> Case:
    """Changing category or location re-runs the router; a new lead starts a new clock."""
    case = await load_visible(ctx, case_id, with_children=False)
    if ctx.principal.role not in (Role.agent, Role.dispatcher):
        raise AppError("forbidden", 403)
    require_version(expected_version, case.version)
    if Status(case.status) not in OPEN or case.status == Status.return_review:
        raise AppError("case_not_open", 409)
    changes = {k: v for k, v in body.model_dump(exclude_unset=True).items() if k != "reason"}
    fields = {"category": "category_code"}
    before = {k: getattr(case, fields.get(k, k)) for k in changes}
    changes = {k: v for k, v in changes.items() if before[k] != v}
    if not changes:
        raise AppError("nothing_to_change", 422)
    snap = await routing.snapshot(ctx.state, ctx.session)
    routing.validate_facts(snap, category=changes.get("category", case.category_code),
                           region_code=changes.get("region_code", case.region_code), kept=case.category_code)
    check_district_scope(ctx, changes.get("region_code", case.region_code))
    if not await repository.claim_version(ctx.session, id_of(case), case.version):
        raise AppError("version_stale", 412, current="?")
    for key, value in changes.items():
        setattr(case, fields.get(key, key), value)
    case.district_code = case.region_code[:6]
    if "address" in changes:
        full_text.refresh(case)
    if "region_code" in changes:
        await repository.move_place(ctx.session, case)
        case.profile_code = await routing.profile_code_for(ctx.state, ctx.session, case.region_code)
    data: dict[str, Any] = {"before": before, "after": changes}
    status_before = case.status
    if case.status != Status.received:
        decision = await decide_lead(ctx, case)
        lead_before, class_before = case.lead_unit_id, case.handling_class
        data["decision"] = {"lead_unit_id": decision.lead.id, "rule_id": decision.rule.id if decision.rule
                            else None, "fallback": decision.fallback, "trace": decision.trace_dicts()}
        data.update(await apply_decision(ctx, case, decision))
        if case.lead_unit_id != lead_before:
            case.status = Status.dispatched
        elif "urgency" in changes:
            data["urgency"] = await urgency_changed(ctx, case, before["urgency"])
        elif case.handling_class != class_before:
            data["handling_class"] = await handling_class_changed(ctx, case, class_before)
    case.version += 1
    case.updated_at = ctx.now
    ctx.event(case, "reroute", from_status=status_before, to_status=case.status, reason=body.reason, data=data)
    await ctx.session.flush()
    return case
