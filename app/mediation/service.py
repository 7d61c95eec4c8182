"""Filing a dispute for people's mediation: parties from the register or outside it, the acceptance rules,
routing by the dispute's category to the committee of the place. Never commits."""

from typing import Any

from app.calendar.deadlines import Limit
from app.cases import service as cases
from app.core import audit
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.roles import Role
from app.core.security import decrypt_field, encrypt_field, mask_phone
from app.core.validators import phone_or_422
from app.mediation import acceptance, repository
from app.mediation import schemas as s
from app.mediation.limits import MediationLimits
from app.mediation.rules import Stage
from app.models import Case
from app.people import repository as people_repo
from app.people import service as people
from app.regions import service as regions
from app.routing import service as routing

FILER_ROLES = frozenset({Role.resident, Role.agent, Role.unit_staff})


async def _parties(ctx: Ctx, body: s.MediationCreate) -> list[dict[str, Any]]:
    roles = {p.role for p in body.parties}
    if roles != {"applicant", "respondent"}:
        raise AppError("parties_incomplete", 422, field_errors=[{"field": "parties", "code": "parties_incomplete"}])
    kept: list[dict[str, Any]] = []
    seen: set[int] = set()
    mine = await people.own_person(ctx) if ctx.principal.role == Role.resident else None
    for i, p in enumerate(body.parties):
        if p.person_id is not None:
            if p.person_id in seen:
                raise AppError("party_repeated", 422, field_errors=[{"field": f"parties.{i}.person_id",
                                                                     "code": "party_repeated"}])
            seen.add(p.person_id)
        name, phone = p.name, phone_or_422(p.phone, f"parties.{i}.phone")
        if p.person_id is not None:
            person, _ = await people.visible(ctx, p.person_id)
            name, phone = person.name, phone or person.phone
        kept.append({"index": i, "person_id": p.person_id, "name": name, "role": p.role, "consents": p.consents,
                     # Whether the party said so themself, or the filer said it for them (the committee confirms).
                     "consent_from": "self" if mine is not None and p.person_id == mine.id else "filer",
                     "phone_masked": mask_phone(phone),
                     "phone_cipher": encrypt_field(ctx.state.keys.field_key, phone) if phone else None})
    if ctx.principal.role == Role.resident:
        if mine is None or not any(k["person_id"] == mine.id and k["role"] == "applicant" for k in kept):
            raise AppError("applicant_not_self", 422, field_errors=[{"field": "parties", "code": "applicant_not_self"}])
    return kept


async def file(ctx: Ctx, body: s.MediationCreate) -> Case:
    p = ctx.principal
    if p.role not in FILER_ROLES:
        raise AppError("forbidden", 403)
    dispute = await repository.dispute_type(ctx.session, body.dispute_type)
    if dispute is None:
        raise AppError("dispute_type_unknown", 422, code=body.dispute_type,
                       field_errors=[{"field": "dispute_type", "code": "dispute_type_unknown"}])
    await regions.region_or_422(ctx, body.region_code)
    if p.role != Role.resident:
        people.require_registrar(ctx, body.region_code)
    parties = await _parties(ctx, body)
    decision = acceptance.decide(
        [acceptance.Party(k["name"], k["role"], k["consents"]) for k in parties],
        acceptance.Dispute(dispute.reserved_to, dispute.reserved_to_en, tuple(dispute.other_routes)),
        pending_elsewhere=body.pending_elsewhere, offence=body.offence)
    if not decision.accepted:
        assert decision.code is not None
        routes = [{"code": r, "text": acceptance.ROUTES[r][0], "text_en": acceptance.ROUTES[r][1]}
                  for r in decision.routes]
        raise AppError(decision.code, 422, reason=decision.reason, reason_en=decision.reason_en,
                       routes=acceptance.routes_text(decision.routes),
                       routes_en=acceptance.routes_text(decision.routes, english=True), extra={"routes": routes})
    profile = await routing.profile_at(ctx.state, ctx.session, body.region_code)
    limit: Limit = profile.section("mediation", MediationLimits)["conclude"]
    applicant = next(k for k in parties if k["role"] == "applicant")
    owner = await people_repo.get(ctx.session, applicant["person_id"]) if applicant["person_id"] else None
    payload = {"dispute_type": dispute.code, "dispute_name": dispute.name, "facts": body.facts,
               "claims": body.claims, "parties": parties, "other_routes": list(dispute.other_routes),
               "limit": {limit.unit: limit.amount}, "sessions": []}
    resident = p.role == Role.resident
    case = Case(kind="mediation", channel="app" if resident else "counter", category_code=dispute.category_code,
                work_order_type="help", urgency="normal", stage=Stage.accepted,
                title=f"{dispute.name}：{applicant['name']} 与 "
                      f"{'、'.join(k['name'] for k in parties if k['role'] == 'respondent')}",
                description=body.facts, region_code=body.region_code, address=body.address,
                # The applicant follows it in the app, however it was filed.
                requester_user_id=p.user_id if resident else (owner.user_id if owner else None),
                caller_name=applicant["name"], payload=payload)
    return await cases.open_case(ctx, case, created={"dispute_type": dispute.code, "parties": len(parties)})


async def reveal_party(ctx: Ctx, case_id: int, index: int, reason: str) -> dict[str, Any]:
    """A party's phone for the committee to call them: the case's staff only, with a reason, audited."""
    case = await cases.load_visible(ctx, case_id, with_children=False)
    if case.kind != "mediation" or not people.is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    parties = case.payload["parties"]
    if not 0 <= index < len(parties):
        raise AppError("party_unknown", 404)
    party = parties[index]
    audit.record(ctx.session, at=ctx.now, action="mediation.reveal_party", actor_user_id=ctx.principal.user_id,
                 target_type="case", target_id=case.id, detail={"party": index, "reason": reason})
    phone = decrypt_field(ctx.state.keys.field_key, party["phone_cipher"]) if party.get("phone_cipher") else None
    return {"index": index, "name": party["name"], "phone": phone}


def present_type(t: Any) -> s.DisputeTypeRead:
    return s.DisputeTypeRead(code=t.code, name=t.name, name_en=t.name_en, category=t.category_code,
                             mediable=t.reserved_to is None, reserved_to=t.reserved_to, other_routes=t.other_routes)
