"""Volunteer registration, approval, teams and the service record. Never commits.

A volunteer is a person in the register with skills, time and a record;
their identity is checked once there. Staff of the unit whose area covers
the volunteer's community approve them; the record is what a certificate
prints, and whoever recorded each entry certifies it.
"""

from typing import Any

from app.care_policy.service import current_policy, skill_taxonomy
from app.core import audit
from app.core.clock import age_on
from app.core.concurrency import changes_of
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.roles import Role
from app.core.security import lookup_hash, mask_phone
from app.core.validators import checked_id_number, phone_or_422
from app.models import Person, TeamMember, Unit, Volunteer, VolunteerTeam
from app.people import repository as people_repo
from app.people import service as people
from app.regions import service as regions
from app.units import repository as units_repo
from app.volunteers import repository, rules
from app.volunteers import schemas as s

SELF_ROLES = frozenset({Role.resident, Role.volunteer})
APPROVER_ROLES = frozenset({Role.unit_staff, Role.dispatcher, Role.admin})


async def check_skills(ctx: Ctx, skills: list[str], field: str = "skills") -> None:
    known = await skill_taxonomy(ctx.state, ctx.session)
    errors = [{"field": f"{field}.{i}", "code": "skill_unknown"} for i, code in enumerate(skills) if code not in known]
    if errors:
        raise AppError("skill_unknown", 422, code=", ".join(c for c in skills if c not in known), field_errors=errors)


def _slots(body_slots: list[s.SlotIn]) -> list[dict[str, Any]]:
    return [{"weekday": x.weekday, "start": x.start.strftime("%H:%M"), "end": x.end.strftime("%H:%M")}
            for x in body_slots]


async def register(ctx: Ctx, body: s.VolunteerCreate) -> Volunteer:
    role = ctx.principal.role
    self_service = role in SELF_ROLES
    if not self_service:
        people.require_registrar(ctx, body.region_code)
    today = ctx.today
    ident = checked_id_number(body.id_number, "id_number", today)
    number, birth, sex = ident.number, ident.birth_date, ident.sex
    phone = phone_or_422(body.phone)
    await regions.region_or_422(ctx, body.region_code)
    await check_skills(ctx, body.skills)
    policy = await current_policy(ctx.state, ctx.session)
    needed = rules.consent_needed(policy.volunteers, birth, today)
    guardian = None
    guardian_phone = None
    if needed is not None:
        if body.guardian is None or not body.guardian.consent:
            raise AppError("guardian_consent_required", 422, age=age_on(birth, today),
                           field_errors=[{"field": "guardian.consent" if body.guardian else "guardian",
                                          "code": "guardian_consent_required"}])
        guardian_phone = phone_or_422(body.guardian.phone, "guardian.phone")
        guardian = {"name": body.guardian.name, "relationship": body.guardian.relationship, "consent": True,
                    "consented_at": ctx.now.isoformat(), "why": needed, "recorded_by": ctx.principal.user_id}
    contact = body.emergency_contact
    if contact is None and guardian is None:  # an adult's guardian block is not their emergency contact
        raise AppError("emergency_contact_required", 422,
                       field_errors=[{"field": "emergency_contact", "code": "emergency_contact_required"}])
    if contact is not None:
        e_name, e_rel, e_phone = contact.name, contact.relationship, phone_or_422(contact.phone,
                                                                                          "emergency_contact.phone")
    else:
        assert body.guardian is not None
        e_name, e_rel, e_phone = body.guardian.name, body.guardian.relationship, guardian_phone
    if self_service and await repository.by_user(ctx.session, ctx.principal.user_id) is not None:
        raise AppError("volunteer_exists", 409)
    person = await people_repo.by_hash(ctx.session, lookup_hash(ctx.state.keys.lookup_key, number))
    own = await people.own_person(ctx) if self_service else None
    if own is not None and (person is None or person.id != own.id):
        raise AppError("identity_not_own", 409)  # an account volunteers as the person it is bound to
    if person is not None:
        if person.name != body.name:
            raise AppError("identity_mismatch", 422, field_errors=[{"field": "name", "code": "identity_mismatch"}])
        if self_service and person.user_id not in (None, ctx.principal.user_id):
            raise AppError("person_already_bound", 409)
        if await repository.by_person(ctx.session, person.id) is not None:  # type: ignore[arg-type]
            raise AppError("volunteer_exists", 409)
        if self_service and person.user_id is None:
            person.user_id = ctx.principal.user_id
    else:
        person = people.new_person(ctx, name=body.name, number=number, birth=birth, sex=sex, phone=phone,
                                   region_code=body.region_code, address=None,
                                   user_id=ctx.principal.user_id if self_service else None)
        await ctx.session.flush()
    volunteer = Volunteer(person_id=person.id, user_id=ctx.principal.user_id if self_service else None,  # type: ignore[arg-type]
                          skills=body.skills, availability=_slots(body.availability), region_code=body.region_code,
                          emergency_name=e_name, emergency_relationship=e_rel, emergency_phone=e_phone,  # type: ignore[arg-type]
                          guardian=guardian, guardian_phone=guardian_phone, status="pending", created_at=ctx.now,
                          created_by=ctx.principal.user_id)
    ctx.session.add(volunteer)
    await ctx.session.flush()
    audit.record(ctx.session, at=ctx.now, action="volunteer.register", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer", target_id=volunteer.id,
                 detail={"self": self_service, "guardian_consent": needed})
    return volunteer


def is_self(ctx: Ctx, volunteer: Volunteer, person: Person) -> bool:
    uid = ctx.principal.user_id
    return uid is not None and uid in (volunteer.user_id, person.user_id)


async def visible(ctx: Ctx, volunteer_id: int) -> tuple[Volunteer, Person, bool]:
    """(volunteer, person, the caller is the volunteer); staff see those in their area, others only themself."""
    found = await repository.with_person(ctx.session, volunteer_id)
    if found is None:
        raise NotFound("volunteer_not_found")
    volunteer, person = found
    if is_self(ctx, volunteer, person):
        return volunteer, person, True
    if people.is_registrar(ctx.principal) and people.in_scope(ctx, volunteer.region_code):
        return volunteer, person, False
    raise NotFound("volunteer_not_found")


async def mine(ctx: Ctx) -> Volunteer:
    volunteer = await repository.by_user(ctx.session, ctx.principal.user_id)
    if volunteer is None:
        raise AppError("not_a_volunteer", 403)
    return volunteer


async def present(ctx: Ctx, volunteer: Volunteer, person: Person, *, own: bool) -> s.VolunteerRead:
    policy = await current_policy(ctx.state, ctx.session)
    guardian = None
    if volunteer.guardian:
        guardian = {k: v for k, v in volunteer.guardian.items() if k != "recorded_by"}
        guardian["phone"] = volunteer.guardian_phone if own else mask_phone(volunteer.guardian_phone)
    return s.VolunteerRead(
        id=volunteer.id, person_id=person.id, name=person.name, id_number=person.id_masked,  # type: ignore[arg-type]
        phone=person.phone if own else mask_phone(person.phone), age=age_on(person.birth_date, ctx.today),
        skills=volunteer.skills, availability=volunteer.availability, region_code=volunteer.region_code,
        emergency_contact={"name": volunteer.emergency_name, "relationship": volunteer.emergency_relationship,
                           "phone": volunteer.emergency_phone if own else mask_phone(volunteer.emergency_phone)},
        guardian=guardian, status=volunteer.status, certificate_no=volunteer.certificate_no,  # type: ignore[arg-type]
        hours=round(volunteer.minutes_total / 60, 2), stars=rules.stars(policy.volunteers, volunteer.minutes_total),
        teams=await repository.team_ids(ctx.session, volunteer.id), version=volunteer.version)  # type: ignore[arg-type]


async def _approving_unit(ctx: Ctx, region_code: str) -> int | None:
    if ctx.principal.unit_id is not None:
        return ctx.principal.unit_id
    rows = await units_repo.search(ctx.session, kind="community_workstation", region_prefix=region_code, q=None,
                                   after=None, limit=1)
    return rows[0].id if rows else None


async def decide(ctx: Ctx, volunteer_id: int, approve: bool, note: str | None) -> tuple[Volunteer, Person]:
    if ctx.principal.role not in APPROVER_ROLES:
        raise AppError("forbidden", 403)
    volunteer, person, own = await visible(ctx, volunteer_id)
    if own:
        raise AppError("forbidden", 403)
    if volunteer.status != "pending":
        raise AppError("volunteer_not_pending", 409, status=volunteer.status)
    volunteer.status = "approved" if approve else "rejected"
    volunteer.decided_by, volunteer.decided_at, volunteer.decision_note = ctx.principal.user_id, ctx.now, note
    if approve:
        policy = await current_policy(ctx.state, ctx.session)
        volunteer.approving_unit_id = await _approving_unit(ctx, volunteer.region_code)
        volunteer.certificate_no = rules.certificate_no(policy.volunteers, volunteer.region_code[:6],
                                                        volunteer.id, ctx.today)  # type: ignore[arg-type]
    volunteer.version += 1
    audit.record(ctx.session, at=ctx.now, action=f"volunteer.{'approve' if approve else 'reject'}",
                 actor_user_id=ctx.principal.user_id, target_type="volunteer", target_id=volunteer.id,
                 detail={"note": note} if note else {})
    return volunteer, person


async def update(ctx: Ctx, volunteer_id: int, body: s.VolunteerUpdate,
                 expected: int | None) -> tuple[Volunteer, Person]:
    volunteer, person, own = await visible(ctx, volunteer_id)
    if not own and ctx.principal.role not in APPROVER_ROLES:
        raise AppError("forbidden", 403)
    changes = changes_of(body, expected, volunteer.version)
    if body.skills is not None:
        await check_skills(ctx, body.skills)
        volunteer.skills = body.skills
    if body.availability is not None:
        volunteer.availability = _slots(body.availability)
    if body.region_code is not None:
        await regions.region_or_422(ctx, body.region_code)
        volunteer.region_code = body.region_code
    volunteer.version += 1
    audit.record(ctx.session, at=ctx.now, action="volunteer.update", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer", target_id=volunteer.id, detail={"fields": sorted(changes)})
    return volunteer, person


async def record(ctx: Ctx, volunteer_id: int) -> s.ServiceRecord:
    volunteer, person, own = await visible(ctx, volunteer_id)
    if not own:
        people.audit_read(ctx, person, "volunteer.record", volunteer_id=volunteer.id)
    policy = await current_policy(ctx.state, ctx.session)
    rows = await repository.service_hours(ctx.session, volunteer.id)  # type: ignore[arg-type]
    unit: Unit | None = (await units_repo.get(ctx.session, volunteer.approving_unit_id)
                         if volunteer.approving_unit_id else None)
    today = ctx.today
    entries = [s.RecordEntry(date=h.started_at.astimezone(ctx.zone).date(), title=h.title,
                             hours=round(h.minutes / 60, 2), issuing_unit=unit_name,
                             kind="eldercare" if h.visit_id else "task", team=team)
               for h, unit_name, team in rows]
    return s.ServiceRecord(
        volunteer_id=volunteer.id, name=person.name, id_number=person.id_masked,  # type: ignore[arg-type]
        certificate_no=volunteer.certificate_no, issuing_unit=unit.name if unit else None,
        registered_on=volunteer.decided_at.astimezone(ctx.zone).date() if volunteer.decided_at else None,
        hours=round(volunteer.minutes_total / 60, 2), stars=rules.stars(policy.volunteers, volunteer.minutes_total),
        next_star_at_hours=rules.next_star(policy.volunteers, volunteer.minutes_total), tasks=len(entries),
        entries=entries, as_of=today)



async def search(ctx: Ctx, *, region: str | None, status: str | None, after_id: int,
                 limit: int) -> list[tuple[Volunteer, Person]]:
    if not people.is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    return await repository.search(ctx.session, region_prefixes=(people.scope_prefix(ctx), region), status=status,
                                   after_id=after_id, limit=limit + 1)


def summary(volunteer: Volunteer, person: Person) -> dict[str, Any]:
    return {"id": volunteer.id, "name": person.name, "id_number": person.id_masked,
            "phone": mask_phone(person.phone), "region_code": volunteer.region_code, "status": volunteer.status,
            "skills": volunteer.skills, "hours": round(volunteer.minutes_total / 60, 2)}


# --- teams ------------------------------------------------------------------------------------------------

async def check_organiser(ctx: Ctx, region_code: str, skills: list[str]) -> None:
    """Teams and tasks are set up by a unit's staff registering in the place, with skills of the taxonomy."""
    if ctx.principal.role != Role.unit_staff or ctx.principal.unit_id is None:
        raise AppError("forbidden", 403)
    people.require_registrar(ctx, region_code)
    await regions.region_or_422(ctx, region_code)
    await check_skills(ctx, skills)


async def create_team(ctx: Ctx, body: s.TeamCreate) -> VolunteerTeam:
    await check_organiser(ctx, body.region_code, body.skills)
    leader = await repository.get(ctx.session, body.leader_id)
    if leader is None or leader.status != "approved":
        raise AppError("volunteer_not_approved", 422, field_errors=[{"field": "leader_id",
                                                                     "code": "volunteer_not_approved"}])
    team = VolunteerTeam(name=body.name, region_code=body.region_code, unit_id=ctx.principal.unit_id,
                         leader_id=leader.id, skills=body.skills, created_at=ctx.now)  # type: ignore[arg-type]
    ctx.session.add(team)
    await ctx.session.flush()
    await _join(ctx, team, leader)
    audit.record(ctx.session, at=ctx.now, action="volunteer_team.create", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer_team", target_id=team.id)
    return team


async def _join(ctx: Ctx, team: VolunteerTeam, volunteer: Volunteer) -> None:
    if await repository.is_member(ctx.session, team.id, volunteer.id):  # type: ignore[arg-type]
        raise AppError("already_team_member", 409)
    ctx.session.add(TeamMember(team_id=team.id, volunteer_id=volunteer.id, joined_at=ctx.now))  # type: ignore[arg-type]
    await ctx.session.flush()


async def team_for_manager(ctx: Ctx, team_id: int) -> VolunteerTeam:
    team = await repository.team(ctx.session, team_id)
    if team is None:
        raise NotFound("team_not_found")
    if ctx.principal.role == Role.admin:
        return team
    if ctx.principal.role == Role.unit_staff and ctx.principal.unit_id == team.unit_id:
        return team
    leader = await repository.by_user(ctx.session, ctx.principal.user_id)
    if leader is not None and leader.id == team.leader_id:
        return team
    raise AppError("forbidden", 403)


async def add_member(ctx: Ctx, team_id: int, volunteer_id: int) -> VolunteerTeam:
    team = await team_for_manager(ctx, team_id)
    volunteer = await repository.get(ctx.session, volunteer_id)
    if volunteer is None or volunteer.status != "approved":
        raise AppError("volunteer_not_approved", 422, field_errors=[{"field": "volunteer_id",
                                                                     "code": "volunteer_not_approved"}])
    await _join(ctx, team, volunteer)
    audit.record(ctx.session, at=ctx.now, action="volunteer_team.join", actor_user_id=ctx.principal.user_id,
                 target_type="volunteer_team", target_id=team.id, detail={"volunteer_id": volunteer_id})
    return team


async def present_team(ctx: Ctx, team: VolunteerTeam) -> s.TeamRead:
    return s.TeamRead(id=team.id, name=team.name, region_code=team.region_code, unit_id=team.unit_id,  # type: ignore[arg-type]
                      leader_id=team.leader_id, skills=team.skills,
                      members=await repository.team_members(ctx.session, team.id))  # type: ignore[arg-type]
