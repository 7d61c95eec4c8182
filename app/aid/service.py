"""Social-aid applications: the household checked against the line, intake, the applicant's view. Never commits.

An application is per household, filed at the place of household
registration, by the applicant themself or by staff for them. Members come
from the register where they are in it (name and birth date are then the
register's), or as given.
"""

from decimal import Decimal
from typing import Any

from app.aid import eligibility as el
from app.aid import repository, rules
from app.aid import schemas as s
from app.aid.limits import AidLimits
from app.calendar.deadlines import due_after
from app.calendar.service import current_calendar
from app.care_policy.service import current_policy
from app.cases import service as cases
from app.core.clock import age_on
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.core.security import normalise_mobile
from app.models import Case, CaseEvent, Unit
from app.people import repository as people_repo
from app.people import service as people
from app.regions import service as regions
from app.routing import service as routing

FILER_ROLES = frozenset({Role.resident, Role.agent, Role.unit_staff})
CATEGORY = {"dibao": "civil.dibao", "tekun": "civil.tekun", "temporary": "civil.temporary_aid"}
SCHEME_NAMES = {"dibao": "最低生活保障", "tekun": "特困人员救助供养", "temporary": "临时救助"}


def _monthly(m: s.MemberIn) -> Decimal:
    if m.monthly_income is not None:
        return m.monthly_income
    months = {i.month for i in m.incomes}
    return el.money(sum((i.amount for i in m.incomes), Decimal(0)) / len(months))


async def household(ctx: Ctx, members: list[s.MemberIn], field: str = "members") -> tuple[list[el.Member],
                                                                                          list[dict[str, Any]]]:
    """The members for the rules, and as the application keeps them; one applicant, exactly."""
    applicants = [i for i, m in enumerate(members) if m.relationship == "applicant"]
    if not applicants:
        raise AppError("household_without_applicant", 422,
                       field_errors=[{"field": field, "code": "household_without_applicant"}])
    if len(applicants) > 1:
        raise AppError("household_two_applicants", 422,
                       field_errors=[{"field": f"{field}.{applicants[1]}.relationship",
                                      "code": "household_two_applicants"}])
    today = ctx.today
    rules_in: list[el.Member] = []
    kept: list[dict[str, Any]] = []
    seen: set[int] = set()
    for i, m in enumerate(members):
        name, birth = m.name, m.birth_date
        if m.person_id is not None:
            if m.person_id in seen:
                raise AppError("member_repeated", 422, field_errors=[{"field": f"{field}.{i}.person_id",
                                                                      "code": "member_repeated"}])
            seen.add(m.person_id)
            person, _ = await people.visible(ctx, m.person_id)
            name, birth = person.name, person.birth_date
        if birth is not None and birth > today:
            raise AppError("birth_date_future", 422, field_errors=[{"field": f"{field}.{i}.birth_date",
                                                                    "code": "birth_date_future"}])
        age = age_on(birth, today) if birth else None
        income = _monthly(m)
        rules_in.append(el.Member(m.relationship, income, age, m.disability_grade, m.able_to_work,
                                  m.able_to_support))
        kept.append({"person_id": m.person_id, "name": name, "relationship": m.relationship, "age": age,
                     "birth_date": birth.isoformat() if birth and m.person_id is None else None,
                     "disability_grade": m.disability_grade, "monthly_income": str(income),
                     "incomes": [i.model_dump(mode="json") for i in m.incomes], "able_to_work": m.able_to_work,
                     "able_to_support": m.able_to_support})
    return rules_in, kept


def member_in(kept: dict[str, Any]) -> s.MemberIn:
    """A kept member back as input, for a check that re-reads the household (the register's facts again)."""
    return s.MemberIn(person_id=kept["person_id"], name=None if kept["person_id"] else kept["name"],
                      relationship=kept["relationship"], birth_date=kept.get("birth_date"),
                      disability_grade=kept["disability_grade"], monthly_income=Decimal(kept["monthly_income"]),
                      able_to_work=kept["able_to_work"], able_to_support=kept.get("able_to_support"))


def assets_of(body: s.AssetsIn) -> el.Assets:
    return el.Assets(body.savings, tuple(el.Vehicle(v.value, v.purpose) for v in body.vehicles), body.properties)


async def line_for(ctx: Ctx, region_code: str, field: str = "region_code") -> el.Line:
    row = await repository.line_on(ctx.session, region_code[:6], ctx.today)
    if row is None:
        raise AppError("aid_line_missing", 422, district=region_code[:6],
                       field_errors=[{"field": field, "code": "aid_line_missing"}])
    return el.Line(row.monthly_line, row.savings_months, row.vehicle_value_limit, row.properties_max,
                   row.expense_multiplier, row.effective_from, row.source)


def _temporary(body: s.Household) -> el.Temporary | None:
    if body.scheme != "temporary":
        return None
    if body.temporary is None:
        raise AppError("temporary_details_required", 422,
                       field_errors=[{"field": "temporary", "code": "temporary_details_required"}])
    return el.Temporary(body.temporary.type, body.temporary.amount)


def present(result: el.Result, scheme: str, line: el.Line, members: int) -> s.AidEligibilityRead:
    return s.AidEligibilityRead(eligible=result.eligible, scheme=scheme,
                                per_capita_income=float(result.per_capita_income),
                             line=float(result.line), line_effective_from=line.effective_from, line_source=line.source,
                             members=members, reasons=[s.AidReasonRead(**r.as_dict()) for r in result.reasons],
                             entitlement=str(amount) if (amount := el.entitlement(scheme, result)) is not None
                             else None)


async def check(ctx: Ctx, body: s.Household) -> tuple[el.Result, el.Line, list[dict[str, Any]]]:
    await regions.region_or_422(ctx, body.region_code)
    temporary = _temporary(body)
    members, kept = await household(ctx, body.members)
    line = await line_for(ctx, body.region_code)
    rules = (await current_policy(ctx.state, ctx.session)).tekun
    tekun = el.TekunRules(rules.elder_age, rules.child_age, rules.severe_disability_grade, rules.working_age)
    return el.decide(body.scheme, members, assets_of(body.assets), line, temporary, tekun), line, kept


async def apply(ctx: Ctx, body: s.Household) -> Case:
    p = ctx.principal
    if p.role not in FILER_ROLES:
        raise AppError("forbidden", 403)
    await regions.region_or_422(ctx, body.region_code)
    if p.role != Role.resident:
        people.require_registrar(ctx, body.region_code)
    result, line, kept = await check(ctx, body)
    applicant = next(m for m in kept if m["relationship"] == "applicant")
    owner = None
    if applicant["person_id"] is not None:
        owner = await people_repo.get(ctx.session, applicant["person_id"])
        if owner is not None and owner.region_code != body.region_code:  # 在户籍地申请
            raise AppError("not_registration_place", 422, code=owner.region_code,
                           field_errors=[{"field": "region_code", "code": "not_registration_place"}])
    if p.role == Role.resident:
        mine = await people.own_person(ctx)
        if mine is None or applicant["person_id"] != mine.id:
            raise AppError("applicant_not_self", 422, field_errors=[{"field": "members", "code": "applicant_not_self"}])
        phone = normalise_mobile(p.username)
    else:
        phone = None
    profile = await routing.profile_at(ctx.state, ctx.session, body.region_code)
    calendar = await current_calendar(ctx.state, ctx.session)
    zone = ctx.zone
    limits = profile.section("aid", AidLimits)
    whole = limits["whole"]
    list_due = due_after(ctx.now, limits["materials_list"], calendar, zone)
    payload = {
        "scheme": body.scheme, "household": kept, "assets": body.assets.model_dump(mode="json"),
        "temporary": body.temporary.model_dump(mode="json") if body.temporary else None,
        "eligibility": present(result, body.scheme, line, len(kept)).model_dump(mode="json"),
        "line": {"amount": str(line.monthly_line), "effective_from": line.effective_from.isoformat(),
                 "source": line.source},
        "limit": {whole.unit: whole.amount}, "extension_cap": limits.whole_extended_working_days - whole.amount,
        "materials_list_due": list_due.at.isoformat(), "notices": [], "objections": [],
    }
    zh = SCHEME_NAMES[body.scheme]
    emergency = body.temporary is not None and body.temporary.type == "emergency"
    case = Case(kind="aid", channel="app" if p.role == Role.resident else "counter",
                category_code=CATEGORY[body.scheme], work_order_type="help",
                urgency="urgent" if emergency else "normal", stage=rules.Stage.applied, stage_due=list_due.at,
                title=f"{zh}申请：{applicant['name']}",
                description=body.temporary.description if body.temporary else f"{zh}申请（{len(kept)} 人户）",
                region_code=body.region_code,
                # The applicant follows it in the app, however it was filed.
                requester_user_id=p.user_id if p.role == Role.resident else (owner.user_id if owner else None),
                caller_name=applicant["name"], caller_phone=phone or (owner.phone if owner else None),
                payload=payload)
    return await cases.open_case(ctx, case, created={"scheme": body.scheme, "members": len(kept),
                                                     "eligible": result.eligible})


async def track(ctx: Ctx, case_id: int) -> s.AidTrack:
    case = await cases.load_visible(ctx, case_id)
    if case.kind != "aid":
        raise NotFound("case_not_found")
    unit = await ctx.session.get(Unit, case.lead_unit_id) if case.lead_unit_id else None
    zh, en = rules.STAGE_NAMES.get(case.stage or "", (case.stage or "", case.stage or ""))
    payload = case.payload
    notice = payload["notices"][-1] if payload["notices"] and case.stage == rules.Stage.notice else None
    missing = payload.get("materials_list") if case.stage == rules.Stage.materials_requested else None
    decision = payload.get("decision")
    if decision:
        decision = {k: v for k, v in decision.items() if k != "by_user_id"}
    return s.AidTrack(id=case.id, number=case.number, scheme=payload["scheme"], stage=case.stage,  # type: ignore[arg-type]
                      stage_name=zh, stage_name_en=en, status=case.status, handling_unit=unit.name if unit else None,
                      applied_at=case.created_at, due=case.handle_due, decision_due=payload.get("decision_due"),
                      calendar_complete=not case.provisional,
                      missing=missing["items"] if missing else None,
                      notice=notice, decision=decision, steps=_steps(case.events))


STEPS = {"create", "dispatch", "accept", "accept_by_rule", "request_materials", "supplement", "grant_first",
         "record_check", "publish_notice", "object", "notice_ended", "decision_overdue", "approve", "reject",
         "approve_extension",
         "callback", "withdraw"}


def _steps(events: list[CaseEvent]) -> list[s.AidTrackStep]:
    return [s.AidTrackStep(at=e.at, type=e.type, stage=e.data.get("stage_to"), note=None) for e in events
            if e.type in STEPS]
