"""Hotline intake: check the five elements, place it, classify it, route it, find its likely duplicates.

Builds on the case spine: the case is created and dispatched by cases.service
in the same unit of work. Never commits.
"""

from datetime import timedelta
from functools import lru_cache
from pathlib import Path

import yaml

from app.calendar.service import deployment_profile
from app.cases import reference, search_repository, views
from app.cases import service as cases
from app.cases.schemas import CallNow, CaseCreate, CaseRead, CategoryBrief, ResidentCaseRead
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.region_codes import prefix_for
from app.core.roles import Role
from app.core.security import lookup_hash, normalise_mobile
from app.core.state import AppState
from app.core.validators import caller_phone_of
from app.files import service as files
from app.hotline import repository, similar, versions
from app.hotline.classifier import Classifier, Suggestion
from app.hotline.elements import missing_elements
from app.hotline.emergency import Assessment, Lexicon, assess, load_lexicon
from app.hotline.emergency_model import EmergencyModel
from app.hotline.schemas import (
    ClassifySuggestion,
    Emergency,
    EmergencyHandoff,
    EmergencyService,
    HotlineOrderCreate,
    IntakeNotes,
    OrderRead,
    ReportCreate,
    Routing,
    SimilarCase,
)
from app.models import Case, ClassifierFeedback
from app.regions import service as resolution
from app.regions.boundaries import Box
from app.regions.schemas import ResolveResult
from app.routing import service as routing


def train_classifier(seed_dir: Path) -> Classifier:
    """The shipped model, trained now if it is not yet (serve calls this before it takes requests)."""
    return versions.train_shipped(seed_dir)


async def classifier(ctx: Ctx) -> Classifier:
    """The model in force: the version an administrator promoted, else the shipped one."""
    return (await versions.in_force(ctx.state, ctx.session))[1]


@lru_cache(maxsize=2)
def emergency_lexicon(seed_dir: str) -> Lexicon:
    """The process's emergency lexicon (seed/emergency.yaml), compiled once; its model trained here unless another
    process trained it (`install_emergency_model`)."""
    return load_lexicon(Path(seed_dir), _prepared_models.pop(seed_dir, None))


_prepared_models: dict[str, EmergencyModel] = {}


def install_emergency_model(seed_dir: Path, model: EmergencyModel) -> None:
    _prepared_models[str(seed_dir)] = model


def recognise(state: AppState, text: str, category: str | None) -> Assessment:
    return assess(text, category, emergency_lexicon(str(state.settings.seed_dir)))


def present_emergency(found: Assessment) -> Emergency | None:
    if not found.emergency:
        return None
    return Emergency(
        hazards=list(found.hazards), matched=list(found.matched), why=list(found.why()),
        handoffs=[EmergencyHandoff(hazard=h.hazard, name=h.name, name_en=h.name_en, script=h.script_zh,
                                   script_en=h.script_en,
                                   services=[EmergencyService(code=s.code, name=s.name, name_en=s.name_en,
                                                              number=s.number, verified=s.verified)
                                             for s in h.services])
                  for h in found.handoffs])


def call_now(found: Assessment, english: bool) -> list[CallNow]:
    """What a resident whose report describes danger now is told at once: each service of the hand-offs, once.
    An agent hands a caller over; an app cannot, so it tells the resident to call."""
    out: dict[str, CallNow] = {}
    for handoff in found.handoffs:
        for s in handoff.services:
            name = s.name_en if english else s.name
            say = (f"If you are in danger now, call {s.number} ({name}) at once; the case follows up."
                   if english else f"如果现在有危险，请立即拨打{s.number}（{name}），本诉求会继续跟进。")
            out.setdefault(s.number, CallNow(service=name, number=s.number, say=say))
    return list(out.values())


URGENCY_RANK = {"normal": 0, "urgent": 1, "critical": 2}


def intake_urgency(agent_set: str | None, found: Assessment) -> str:
    """The words may raise the urgency to critical; they never lower what an agent set."""
    urgency = agent_set or "normal"
    if found.emergency and URGENCY_RANK[urgency] < URGENCY_RANK["critical"]:
        return "critical"
    return urgency


@lru_cache(maxsize=2)
def city_bounds(seed_dir: str) -> Box:
    spec = yaml.safe_load((Path(seed_dir) / "city.yaml").read_text(encoding="utf-8"))
    return Box(**spec["bounds"])


async def _present_suggestions(ctx: Ctx, found: list[Suggestion]) -> list[ClassifySuggestion]:
    names = await reference.names_of(ctx.state, ctx.session, {s.category for s in found}, ctx.english)
    return [ClassifySuggestion(category=CategoryBrief(code=s.category, name=names.get(s.category, s.category)),
                               score=s.score, reasons=list(s.reasons)) for s in found]


async def classify(ctx: Ctx, text: str) -> list[ClassifySuggestion]:
    return await _present_suggestions(ctx, (await classifier(ctx)).suggest(text))


async def _place(ctx: Ctx, body: ReportCreate) -> tuple[str, ResolveResult | None]:
    """The community of a report: the region given; else the address, resolved; else, or when the address only
    narrows it to candidates, the community boundary that holds the coordinates."""
    located = None
    if body.latitude is not None and body.longitude is not None:
        located = await resolution.community_at(ctx.state, ctx.session, body.latitude, body.longitude)
        city = city_bounds(str(ctx.state.settings.seed_dir))
        if located is None and not city.contains(body.latitude, body.longitude):
            raise AppError("coordinates_outside_city", 422, field_errors=[{"field": "latitude",
                                                                          "code": "coordinates_outside_city"}])
    if body.region_code:
        return body.region_code, None
    if not body.address:
        if located is not None:
            return located, None
        # Coordinates no loaded boundary holds cannot be placed in a community.
        raise AppError("elements_missing", 422, missing="where", extra={"missing": ["where"]},
                       field_errors=[{"field": "address", "code": "missing",
                                      "message": "address or region_code is needed with coordinates"}])
    g = await resolution.gazetteer(ctx.state, ctx.session)
    found = g.resolve(body.address)
    shown = resolution.present(g, found)
    within = found.region_code is None or (found.level is not None and located is not None and located.startswith(
        prefix_for(found.region_code, found.level)))
    if located is not None and (found.level != "community" or found.ambiguous) and (
            located in found.candidates or within):
        return located, shown  # the address left it open (or named nothing known); the coordinates settle it
    if found.region_code is None and not found.candidates:
        raise AppError("address_unresolved", 422, field_errors=[{"field": "address", "code": "address_unresolved"}])
    if found.ambiguous:
        raise AppError("address_ambiguous", 422, names="、".join(c.path for c in shown.candidates),
                       extra={"candidates": [c.model_dump() for c in shown.candidates]},
                       field_errors=[{"field": "address", "code": "address_ambiguous"}])
    if found.level != "community":
        raise AppError("address_not_precise", 422, name=found.name, extra={"resolved": shown.model_dump()},
                       field_errors=[{"field": "address", "code": "address_not_precise"}])
    return found.region_code, shown


def _routing(case: Case) -> Routing | None:
    dispatch = next((e for e in reversed(case.events) if e.type == "dispatch"), None)
    if dispatch is None:
        return None
    d = dispatch.data
    return Routing(lead_unit_id=d.get("lead_unit_id"), co_unit_ids=d.get("co_unit_ids", []),
                   rule_id=d.get("rule_id"), fallback=bool(d.get("fallback")), trace=d.get("trace", []),
                   deadlines=d.get("deadlines"))


async def similar_to(ctx: Ctx, case: Case) -> list[SimilarCase]:
    return await _similar(ctx, category=case.category_code, region_code=case.region_code, lat=case.latitude,
                          long=case.longitude, description=case.description, profile_code=case.profile_code,
                          exclude_id=case.id)


async def _similar(ctx: Ctx, *, category: str, region_code: str, lat: float | None, long: float | None,
                   description: str, profile_code: str | None, exclude_id: int | None) -> list[SimilarCase]:
    profile = await deployment_profile(ctx.state, ctx.session, profile_code)
    since = ctx.now - timedelta(days=profile.duplicate_window_days)
    box, nearby = None, frozenset[str]()
    if lat is not None and long is not None:
        box = similar.bounding_box(lat, long, profile.duplicate_radius_m)
        # Communities whose boundary comes within the radius: their cases without coordinates may be the same.
        index = await resolution.boundaries(ctx.state, ctx.session)
        nearby = frozenset(index.near(lat, long, profile.duplicate_radius_m) - {region_code})
    found = await repository.similar_candidates(ctx.session, category=category, region_code=region_code,
                                                since=since, exclude_id=exclude_id, box=box, nearby=nearby)
    ranked = similar.rank(description, region_code, lat, long, found, profile.duplicate_radius_m, nearby=nearby)
    rows = await repository.cases_by_ids(ctx.session, [r.case_id for r in ranked])
    names = await reference.names_of(ctx.state, ctx.session, {category}, ctx.english)
    return [SimilarCase(case=views.summary(rows[r.case_id], names.get(category, ""), ctx.now),
                        score=r.score, distance_m=r.distance_m, same_community=r.same_community) for r in ranked]


async def intake(ctx: Ctx, body: ReportCreate) -> OrderRead | ResidentCaseRead:
    is_agent = isinstance(body, HotlineOrderCreate)
    profile = await routing.profile_at(ctx.state, ctx.session, body.region_code)
    missing = missing_elements(who=is_agent or ctx.principal.role == Role.resident, address=body.address,
                               region_code=body.region_code, has_coordinates=body.latitude is not None,
                               description=body.description, how_min_chars=profile.intake_how_min_chars)
    if missing:
        raise AppError("elements_missing", 422, missing=", ".join(missing), extra={"missing": missing},
                       field_errors=[{"field": "description" if m in ("what", "how") else "address",
                                      "code": f"element_{m}"} for m in missing])
    region_code, address = await _place(ctx, body)
    attached = await files.claim(ctx, files.refs(body.files, "files"))  # the caller's own uploads, or a refusal
    model = await classifier(ctx)
    suggestions = model.suggest(body.description)
    category = body.category
    if category is None:
        if not suggestions:
            raise AppError("category_unclassifiable", 422, field_errors=[{"field": "category", "code": "missing"}])
        category = suggestions[0].category
    hold = getattr(body, "hold", False) or bool(getattr(body, "answer_with_article", None))
    found = recognise(ctx.state, body.description, category)
    agent_set = getattr(body, "urgency", None)
    urgency = intake_urgency(agent_set, found)
    create = CaseCreate(
        kind="hotline", channel="hotline" if is_agent else "app", category=category,
        work_order_type=body.work_order_type, urgency=urgency,
        description=body.description, region_code=region_code, address=body.address, latitude=body.latitude,
        longitude=body.longitude, caller_name=getattr(body, "caller_name", None),
        caller_phone=getattr(body, "caller_phone", None), anonymous=getattr(body, "anonymous", False),
        hide_contact=getattr(body, "hide_contact", False), hold=hold,
        payload={"category_suggested": body.category is None, "region_resolved": body.region_code is None,
                 "emergency": list(found.hazards) or None},
    )
    # Likely duplicates are the cases that were there when the call came; looking before the case is stored keeps
    # the two reads out of the time the new case number's counter row stays locked (until commit).
    alike = await _similar(ctx, category=category, region_code=region_code, lat=body.latitude, long=body.longitude,
                           description=body.description, profile_code=None, exclude_id=None)
    case = await cases.create_case(ctx, create)
    await files.link(ctx, case.id, attached, purpose="order" if is_agent else "report")
    if body.category is not None and suggestions and suggestions[0].category != body.category:
        repository.add_feedback(ctx.session, ClassifierFeedback(
            case_id=case.id, at=ctx.now, text=body.description, chosen=body.category,
            suggested=[{"category": s.category, "score": s.score} for s in suggestions],
            by_user_id=ctx.principal.user_id))
    if is_agent and body.answer_with_article:
        await cases.perform(ctx, case.id, "direct_answer", {"article_code": body.answer_with_article}, case.version)
        case = await cases.load_visible(ctx, case.id)  # the answer moved it on; otherwise the case is as stored
    read = await cases.present(ctx, case, opened_now=True)
    if not isinstance(read, CaseRead):  # a resident's report: their own view, not the desk's notes
        return read.model_copy(update={"call_now": call_now(found, ctx.english)}) if found.emergency else read
    # The case part is validated already (CaseRead); dumping and validating it again cost an intake more than
    # its routing did. The new parts are built as models, so the whole is as valid as a validated OrderRead.
    return OrderRead.model_construct(**dict(read), routing=_routing(case), similar=alike,
                                     intake=IntakeNotes(category_suggested=body.category is None,
                                                        region_resolved=body.region_code is None,
                                                        classification=await _present_suggestions(ctx, suggestions),
                                                        address=address, emergency=present_emergency(found),
                                                        urgency_raised=urgency != (agent_set or "normal")))


async def caller_orders(ctx: Ctx, phone: str, before_id: int | None, limit: int):
    if ctx.principal.role not in (Role.agent, Role.dispatcher, Role.admin):
        raise AppError("forbidden", 403)
    normal = normalise_mobile(phone) or caller_phone_of(phone)
    scope = search_repository.Scope.of(ctx.principal)
    rows = await repository.caller_orders(ctx.session, scope, lookup_hash(ctx.state.keys.lookup_key, normal),
                                          before_id, limit + 1)
    names = await reference.names_of(ctx.state, ctx.session, {r.category_code for r in rows}, ctx.english)
    items = [views.summary(r, names.get(r.category_code, r.category_code), ctx.now) for r in rows[:limit]]
    return items, (rows[limit - 1].id if len(rows) > limit else None)
