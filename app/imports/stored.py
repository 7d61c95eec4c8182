"""The stored reference data as an import sees it: every table as rows of values by key (the `World` a batch is
checked against and an export writes)."""

from sqlalchemy.ext.asyncio import AsyncSession

from app import models as m
from app.imports import repository
from app.imports.checks import Row, World


async def load_world(session: AsyncSession) -> World:
    world = World()
    for r in await repository.all_rows(session, m.Region):
        world.regions[r.code] = {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code,
                                 "statistical": r.statistical, "aliases": list(r.aliases or []),
                                 "name_en": r.name_en}
        if r.profile_code:
            world.profile_assignments[r.code] = {"region_code": r.code, "profile_code": r.profile_code}
    for k in await repository.all_rows(session, m.UnitKind):
        world.unit_kinds[k.code] = {"code": k.code, "name": k.name, "name_en": k.name_en, "level": k.level}
    units = await repository.all_rows(session, m.Unit)
    code_of = {u.id: u.code for u in units}
    hooks = {h.unit_id: h for h in await repository.all_rows(session, m.UnitWebhook)}
    for u in units:
        hook = hooks.get(u.id)
        world.units[u.code] = {
            "code": u.code, "name": u.name, "kind": u.kind, "region_code": u.region_code,
            "parent_code": code_of.get(u.parent_id) if u.parent_id else None, "phone": u.phone,
            "address": u.address, "webhook_url": hook.url if hook else None,
            "webhook_active": hook.active if hook else True, "active": u.active}
    for c in await repository.all_rows(session, m.Category):
        world.categories[c.code] = {"code": c.code, "name": c.name, "name_en": c.name_en,
                                    "parent_code": c.parent_code, "description": c.description, "sort": c.sort,
                                    "active": c.active, "national_code": c.national_code}
    for rule in await repository.all_rows(session, m.RoutingRule):
        values = {"category_code": rule.category_code, "region_code": rule.region_code,
                  "work_order_type": rule.work_order_type, "lead_kind": rule.lead_kind,
                  "co_kinds": list(rule.co_kinds or []), "handling_class": rule.handling_class,
                  "priority": rule.priority, "active": rule.active, "note": rule.note}
        world.routing_rules.setdefault(Row("routing_rules", "", 0, values).key, values)
    for p in await repository.all_rows(session, m.DeadlineProfile):
        world.deadline_profiles[p.code] = {"code": p.code, "name": p.name, "source": p.source, "spec": p.spec}
    for place in await repository.all_rows(session, m.Place):
        values = {"kind": place.kind, "name": place.name, "aliases": list(place.aliases or []),
                  "community_code": place.community_code, "road": place.road, "number_from": place.number_from,
                  "number_to": place.number_to, "parity": place.parity, "latitude": place.latitude,
                  "longitude": place.longitude,
                  "source": place.source, "verified": place.verified, "note": place.note, "active": place.active}
        world.places[Row("places", "", 0, values).key] = values
    for b in await repository.all_rows(session, m.Boundary):
        world.boundaries[b.community_code] = {"geometry": b.geometry, "source": b.source, "synthetic": b.synthetic}
    for a in await repository.all_rows(session, m.KnowledgeArticle):
        world.knowledge_articles[a.code] = {
            "code": a.code, "category_code": a.category_code, "question": a.question, "answer": a.answer,
            "keywords": list(a.keywords or []), "policy_title": a.policy_title, "document_number": a.document_number,
            "valid_from": a.valid_from, "valid_to": a.valid_to, "note": a.note, "active": a.active}
    for item in await repository.current_items(session):
        world.service_items[item.code] = {
            "code": item.code, "name": item.name, "name_en": item.name_en, "type": item.type,
            "category_code": item.category_code, "department": item.department,
            "handling_unit_kind": item.handling_unit_kind, "applicants": item.applicants,
            "conditions": list(item.conditions), "materials": list(item.materials), "steps": list(item.steps),
            "statutory_days": item.statutory_days, "promised_days": item.promised_days, "fees": dict(item.fees),
            "online": item.online, "visits": item.visits, "proxy_allowed": item.proxy_allowed,
            "legal_basis": list(item.legal_basis), "life_events": list(item.life_events),
            "keywords": list(item.keywords), "status": item.status}
    world.life_events = await repository.life_event_codes(session)
    return world
