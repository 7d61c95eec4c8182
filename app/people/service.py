"""The resident register: identities checked once and kept encrypted, household links, status flags.

Staff register people; an account binds itself to its own entry (real-name
binding). Reads are scoped: centre staff by district, unit staff by their
unit's jurisdiction, a resident to themself and their household. The full
ID number leaves only through `reveal`, with a reason, and every staff read
of a person is audited. Never commits.
"""

from datetime import date
from typing import Any

from app.care_policy.policy import FlagFact, PersonFacts
from app.core import audit
from app.core.clock import age_on
from app.core.concurrency import changes_of
from app.core.context import Ctx
from app.core.errors import AppError, NotFound
from app.core.region_codes import jurisdiction_prefix, within
from app.core.roles import Role
from app.core.security import (
    decrypt_field,
    encrypt_field,
    lookup_hash,
    mask_id_number,
    mask_phone,
    normalise_mobile,
)
from app.core.validators import checked_id_number, phone_or_422
from app.models import Person, PersonFlag, PersonLink
from app.people import repository
from app.people import schemas as s
from app.regions import service as regions

CENTRE_ROLES = frozenset({Role.admin, Role.dispatcher, Role.agent})
# Unit staff keep the register only where residents' records are their work: the community and its
# subdistrict, civil affairs, the disabled persons' federation, eldercare providers (the elders they serve)
# and mediation (the parties). Units that only handle cases (a bureau, the police) see cases, not records.
REGISTRAR_UNIT_KINDS = frozenset({"community_workstation", "subdistrict_office", "civil_affairs_station",
                                  "civil_affairs_bureau", "disabled_persons_federation", "eldercare_provider",
                                  "mediation_committee", "judicial_office"})


def is_registrar(principal: Any) -> bool:
    if principal.role in CENTRE_ROLES:
        return True
    return principal.role == Role.unit_staff and principal.unit_kind in REGISTRAR_UNIT_KINDS
SELF_ROLES = frozenset({Role.resident, Role.volunteer})


def in_scope(ctx: Ctx, region_code: str) -> bool:
    p = ctx.principal
    if p.role == Role.admin:
        return True
    if p.role in (Role.agent, Role.dispatcher):
        return p.district_scope is None or region_code[:6] == p.district_scope
    if p.role == Role.unit_staff:
        return p.unit_region is not None and within(region_code, p.unit_region)
    return False


def scope_prefix(ctx: Ctx) -> str | None:
    """The region-code prefix of everything the caller may see in the register (None: everything)."""
    p = ctx.principal
    if p.role in (Role.agent, Role.dispatcher):
        return p.district_scope
    if p.role == Role.unit_staff:
        return jurisdiction_prefix(p.unit_region) if p.unit_region else "-"
    return None


def require_registrar(ctx: Ctx, region_code: str, field: str = "region_code") -> None:
    if not is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    if not in_scope(ctx, region_code):
        raise AppError("region_outside_scope", 422, code=region_code,
                       field_errors=[{"field": field, "code": "region_outside_scope"}])


async def own_person(ctx: Ctx) -> Person | None:
    return await repository.by_user(ctx.session, ctx.principal.user_id)


async def relation_to_me(ctx: Ctx, person: Person) -> str | None:
    """'self', a household relation ('child': the person is my child), or None."""
    if person.user_id is not None and person.user_id == ctx.principal.user_id:
        return "self"
    mine = await own_person(ctx)
    if mine is None:
        return None
    return await repository.relation_of(ctx.session, mine.id, person.id)  # type: ignore[arg-type]


async def visible(ctx: Ctx, person_id: int) -> tuple[Person, str | None]:
    """The person and how the caller relates to them; 404 when the caller may not see them at all."""
    person = await repository.get(ctx.session, person_id)
    if person is None:
        raise NotFound("person_not_found")
    if is_registrar(ctx.principal):
        if not in_scope(ctx, person.region_code):
            raise NotFound("person_not_found")
        return person, None
    relation = await relation_to_me(ctx, person)
    if relation is None:
        raise NotFound("person_not_found")
    return person, relation


async def present(ctx: Ctx, person: Person, *, relation: str | None = None) -> s.PersonRead:
    today = ctx.today
    flags = await repository.flags(ctx.session, person.id)  # type: ignore[arg-type]
    links = await repository.links(ctx.session, person.id)  # type: ignore[arg-type]
    relatives = await repository.get_many(ctx.session, [link.relative_id for link in links])
    staff = is_registrar(ctx.principal)
    phone = person.phone if staff or relation == "self" else mask_phone(person.phone)
    return s.PersonRead(
        id=person.id, name=person.name, id_number=person.id_masked, birth_date=person.birth_date,  # type: ignore[arg-type]
        sex=person.sex, age=age_on(person.birth_date, today), phone=phone,  # type: ignore[arg-type]
        region_code=person.region_code, address=person.address,
        flags=[s.FlagRead(id=f.id, flag=f.flag, value=f.value, source=f.source, since=f.since, until=f.until,  # type: ignore[arg-type]
                          active=f.active) for f in flags],
        household=[s.RelativeRead(person_id=link.relative_id, name=relatives[link.relative_id].name,
                                  relation=link.relation, age=age_on(relatives[link.relative_id].birth_date, today))
                   for link in links if link.relative_id in relatives],
        has_account=person.user_id is not None, version=person.version)


def summary(person: Person, today: date) -> s.PersonSummary:
    return s.PersonSummary(id=person.id, name=person.name, id_number=person.id_masked,  # type: ignore[arg-type]
                           age=age_on(person.birth_date, today), sex=person.sex, phone=mask_phone(person.phone),
                           region_code=person.region_code)


def audit_read(ctx: Ctx, person: Person, action: str = "person.read", **detail: Any) -> None:
    audit.record(ctx.session, at=ctx.now, action=action, actor_user_id=ctx.principal.user_id,
                 actor_name=ctx.principal.name, target_type="person", target_id=person.id, detail=detail)


def new_person(ctx: Ctx, *, name: str, number: str, birth: date, sex: str, phone: str | None, region_code: str,
               address: str | None, user_id: int | None = None) -> Person:
    keys = ctx.state.keys
    person = Person(name=name, id_cipher=encrypt_field(keys.field_key, number),
                    id_hash=lookup_hash(keys.lookup_key, number), id_masked=mask_id_number(number) or "",
                    birth_date=birth, sex=sex, phone=phone,
                    phone_hash=lookup_hash(keys.lookup_key, phone) if phone else None, region_code=region_code,
                    address=address, user_id=user_id, created_at=ctx.now, created_by=ctx.principal.user_id,
                    updated_at=ctx.now)
    ctx.session.add(person)
    return person


async def create(ctx: Ctx, body: s.PersonCreate) -> Person:
    if not is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    today = ctx.today
    ident = checked_id_number(body.id_number, "id_number", today)
    number, birth, sex = ident.number, ident.birth_date, ident.sex
    phone = phone_or_422(body.phone)
    await regions.region_or_422(ctx, body.region_code)
    require_registrar(ctx, body.region_code)
    existing = await repository.by_hash(ctx.session, lookup_hash(ctx.state.keys.lookup_key, number))
    if existing is not None:  # staff outside the person's area learn only that the number is taken
        raise AppError("person_exists", 409, extra={"person_id": existing.id} if in_scope(ctx, existing.region_code)
                       else None)
    person = new_person(ctx, name=body.name, number=number, birth=birth, sex=sex, phone=phone,
                        region_code=body.region_code, address=body.address)
    await ctx.session.flush()
    for i, f in enumerate(body.flags):
        _check_flag_dates(f, today, f"flags.{i}")
        _add_flag(ctx, person, f)
    audit.record(ctx.session, at=ctx.now, action="person.create", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id, detail={"flags": [f.flag for f in body.flags]})
    await ctx.session.flush()
    return person


async def lookup(ctx: Ctx, raw_id: str) -> Person:
    """Find by ID number (staff): the number is hashed, never searched in clear; the read is audited."""
    if not is_registrar(ctx.principal):
        raise AppError("forbidden", 403)
    number = checked_id_number(raw_id, "id_number", ctx.today).number
    person = await repository.by_hash(ctx.session, lookup_hash(ctx.state.keys.lookup_key, number))
    if person is None or not in_scope(ctx, person.region_code):
        raise NotFound("person_not_found")
    audit_read(ctx, person, "person.lookup")
    return person


async def reveal(ctx: Ctx, person_id: int, reason: str) -> s.IdentityRead:
    person, relation = await visible(ctx, person_id)
    if not is_registrar(ctx.principal) and relation != "self":
        raise AppError("forbidden", 403)
    audit_read(ctx, person, "person.reveal", reason=reason)
    return s.IdentityRead(id=person.id, name=person.name,  # type: ignore[arg-type]
                          id_number=decrypt_field(ctx.state.keys.field_key, person.id_cipher), phone=person.phone)


async def update(ctx: Ctx, person_id: int, body: s.PersonUpdate, expected: int | None) -> Person:
    person, _ = await visible(ctx, person_id)
    require_registrar(ctx, body.region_code or person.region_code)
    changes = changes_of(body, expected, person.version)
    if "region_code" in changes:
        await regions.region_or_422(ctx, changes["region_code"])
    if "phone" in changes:
        changes["phone"] = phone_or_422(changes["phone"])
        person.phone_hash = lookup_hash(ctx.state.keys.lookup_key, changes["phone"]) if changes["phone"] else None
    for key, value in changes.items():
        setattr(person, key, value)
    person.version += 1
    person.updated_at = ctx.now
    audit.record(ctx.session, at=ctx.now, action="person.update", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id, detail={"fields": sorted(changes)})
    return person


def _check_flag_dates(f: s.FlagIn, today: date, field: str) -> None:
    if f.since > today:
        raise AppError("flag_since_future", 422,
                       field_errors=[{"field": f"{field}.since".lstrip("."), "code": "flag_since_future"}])


def _add_flag(ctx: Ctx, person: Person, f: s.FlagIn) -> PersonFlag:
    row = PersonFlag(person_id=person.id, flag=f.flag, value=f.value, source=f.source, since=f.since, until=f.until,
                     active=True, recorded_at=ctx.now, recorded_by=ctx.principal.user_id)
    ctx.session.add(row)
    return row


async def add_flag(ctx: Ctx, person_id: int, body: s.FlagIn) -> PersonFlag:
    """A new status; an active flag of the same kind is ended by it (a new assessment replaces the old)."""
    person, _ = await visible(ctx, person_id)
    require_registrar(ctx, person.region_code)
    _check_flag_dates(body, ctx.today, "")
    for old in await repository.flags(ctx.session, person.id, active_only=True):  # type: ignore[arg-type]
        if old.flag == body.flag:
            old.active, old.ended_at = False, ctx.now
            old.until = old.until or body.since
    row = _add_flag(ctx, person, body)
    person.version += 1
    person.updated_at = ctx.now
    await ctx.session.flush()
    audit.record(ctx.session, at=ctx.now, action="person.flag", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id, detail={"flag": body.flag, "value": body.value})
    return row


async def end_flag(ctx: Ctx, person_id: int, flag_id: int) -> PersonFlag:
    person, _ = await visible(ctx, person_id)
    require_registrar(ctx, person.region_code)
    row = await repository.flag(ctx.session, person.id, flag_id)  # type: ignore[arg-type]
    if row is None:
        raise NotFound("flag_not_found")
    if not row.active:
        raise AppError("flag_inactive", 409)
    row.active, row.ended_at = False, ctx.now
    row.until = row.until or ctx.today
    person.version += 1
    person.updated_at = ctx.now
    audit.record(ctx.session, at=ctx.now, action="person.flag_end", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id, detail={"flag": row.flag, "flag_id": row.id})
    return row


async def link(ctx: Ctx, person_id: int, body: s.LinkCreate) -> Person:
    person, _ = await visible(ctx, person_id)
    require_registrar(ctx, person.region_code)
    if body.relative_id == person.id:
        raise AppError("link_to_self", 422, field_errors=[{"field": "relative_id", "code": "link_to_self"}])
    relative = await repository.get(ctx.session, body.relative_id)
    if relative is None or not in_scope(ctx, relative.region_code):
        raise AppError("person_not_found", 422, field_errors=[{"field": "relative_id", "code": "person_not_found"}])
    if await repository.link_between(ctx.session, person.id, relative.id):  # type: ignore[arg-type]
        raise AppError("already_linked", 409)
    ctx.session.add(PersonLink(person_id=person.id, relative_id=relative.id, relation=body.relation,
                               created_at=ctx.now, created_by=ctx.principal.user_id))
    ctx.session.add(PersonLink(person_id=relative.id, relative_id=person.id, relation=s.INVERSE[body.relation],
                               created_at=ctx.now, created_by=ctx.principal.user_id))
    for p in (person, relative):
        p.version += 1
        p.updated_at = ctx.now
    audit.record(ctx.session, at=ctx.now, action="person.link", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id,
                 detail={"relative_id": relative.id, "relation": body.relation})
    await ctx.session.flush()
    return person


async def unlink(ctx: Ctx, person_id: int, relative_id: int) -> Person:
    person, _ = await visible(ctx, person_id)
    require_registrar(ctx, person.region_code)
    rows = await repository.link_between(ctx.session, person.id, relative_id)  # type: ignore[arg-type]
    if not rows:
        raise NotFound("link_not_found")
    for row in rows:
        await ctx.session.delete(row)
    person.version += 1
    person.updated_at = ctx.now
    audit.record(ctx.session, at=ctx.now, action="person.unlink", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id, detail={"relative_id": relative_id})
    await ctx.session.flush()
    return person


async def bind(ctx: Ctx, body: s.PersonBind) -> Person:
    """Real-name binding of the caller's account to its register entry (created when there is none).

    A production deployment puts a face or carrier check in front of this; here the name must match the entry.
    """
    if ctx.principal.role not in SELF_ROLES:
        raise AppError("forbidden", 403)
    if await own_person(ctx) is not None:
        raise AppError("account_already_bound", 409)
    ident = checked_id_number(body.id_number, "id_number", ctx.today)
    number, birth, sex = ident.number, ident.birth_date, ident.sex
    await regions.region_or_422(ctx, body.region_code)
    person = await repository.by_hash(ctx.session, lookup_hash(ctx.state.keys.lookup_key, number))
    if person is not None:
        if person.user_id is not None:
            raise AppError("person_already_bound", 409)
        if person.name != body.name:
            raise AppError("identity_mismatch", 422, field_errors=[{"field": "name", "code": "identity_mismatch"}])
        person.user_id = ctx.principal.user_id
        person.version += 1
        person.updated_at = ctx.now
    else:
        person = new_person(ctx, name=body.name, number=number, birth=birth, sex=sex,
                            phone=normalise_mobile(ctx.principal.username), region_code=body.region_code,
                            address=body.address, user_id=ctx.principal.user_id)
    await ctx.session.flush()
    audit.record(ctx.session, at=ctx.now, action="person.bind", actor_user_id=ctx.principal.user_id,
                 target_type="person", target_id=person.id)
    return person


async def facts(ctx: Ctx, person: Person) -> PersonFacts:
    """The register facts eligibility reads: flags active and in force today."""
    today = ctx.today
    rows = await repository.flags(ctx.session, person.id, active_only=True)  # type: ignore[arg-type]
    current = {f.flag: FlagFact(f.value, f.source, f.since) for f in rows
               if f.since <= today and (f.until is None or f.until >= today)}
    return PersonFacts(birth_date=person.birth_date, flags=current)
