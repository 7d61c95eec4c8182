"""The service guide: browse and search the current items; administrators publish new versions. Never commits."""

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from app.affair import repository
from app.affair import schemas as s
from app.core.errors import AppError, NotFound
from app.core.state import AppState
from app.knowledge.search import Doc, Index
from app.models import ServiceItem
from app.routing import repository as routing_repo
from app.routing import service as routing

CACHE_KEY = "service_guide"


def time_limit(statutory: int | None, promised: int) -> s.TimeLimit:
    if promised == 0:
        text, text_en = "即办（当场办结）", "On the spot"
    else:
        text, text_en = f"承诺 {promised} 个工作日", f"{promised} working days promised"
    if statutory is not None:
        text += f"；法定 {statutory} 个工作日" if statutory else "；法定即办"
        text_en += f"; statutory {statutory} working days" if statutory else "; statutory: on the spot"
    return s.TimeLimit(statutory_days=statutory, promised_days=promised, on_the_spot=promised == 0, text=text,
                       text_en=text_en)


def _doc(item: ServiceItem) -> Doc:
    body = " ".join([item.applicants, *item.conditions, *(m["name"] for m in item.materials), item.department])
    return Doc(code=item.code, question=item.name, keywords=tuple(item.keywords), answer=body)


async def _guide(state: AppState, session: AsyncSession) -> tuple[Index, dict[str, ServiceItem]]:
    async def load() -> tuple[Index, dict[str, ServiceItem]]:
        items = await repository.current_items(session)
        for item in items:
            session.expunge(item)  # cached across requests: detached, read-only copies
        return Index([_doc(i) for i in items]), {i.code: i for i in items}

    return await state.cache.get(CACHE_KEY, load)


def invalidate(state: AppState) -> None:
    state.cache.invalidate(CACHE_KEY)


async def search(state: AppState, session: AsyncSession, *, q: str | None, category: str | None,
                 life_event: str | None, after: tuple[float, str] | None,
                 limit: int) -> tuple[list[s.ServiceItemSummary], tuple[float, str] | None]:
    """Current items, best match first when searching by words, otherwise by code; keyset over (score, code)."""
    index, items = await _guide(state, session)
    if q:
        ranked = [(h.score, items[h.code], list(h.matched)) for h in index.search(q, limit=len(items))]
    else:
        ranked = [(0.0, item, []) for item in items.values()]
    if category:
        ranked = [r for r in ranked if r[1].category_code == category or r[1].category_code.startswith(category + ".")]
    if life_event:
        ranked = [r for r in ranked if life_event in r[1].life_events]
    ranked.sort(key=lambda r: (-r[0], r[1].code))
    if after is not None:
        ranked = [r for r in ranked if (-r[0], r[1].code) > (-after[0], after[1])]
    page = ranked[:limit]
    names = await routing_repo.category_names(session, {item.category_code for _, item, _ in page})
    out = [s.ServiceItemSummary(
        code=item.code, version=item.version, name=item.name, name_en=item.name_en, type=item.type,
        category=s.CategoryBrief(code=item.category_code, name=names.get(item.category_code, item.category_code)),
        promised_days=item.promised_days, on_the_spot=item.promised_days == 0, online=item.online,
        visits=item.visits, life_events=item.life_events, score=score if q else None, matched=matched)
        for score, item, matched in page]
    next_key = (page[-1][0], page[-1][1].code) if len(ranked) > limit else None
    return out, next_key


async def present(state: AppState, session: AsyncSession, item: ServiceItem) -> s.ServiceItemRead:
    snap = await routing.snapshot(state, session)
    events = {e.code: e for e in await repository.life_events(session)}
    names = await routing_repo.category_names(session, {item.category_code})
    return s.ServiceItemRead(
        code=item.code, version=item.version, current=item.current, status=item.status, name=item.name,
        name_en=item.name_en, type=item.type,
        category=s.CategoryBrief(code=item.category_code, name=names.get(item.category_code, item.category_code)),
        department=item.department,
        handling_unit_kind=s.NamedCode(code=item.handling_unit_kind,
                                       name=snap.kind_names.get(item.handling_unit_kind, item.handling_unit_kind)),
        applicants=item.applicants, conditions=item.conditions,
        materials=[s.MaterialRead(code=m["code"], name=m["name"], form=m.get("form", "original"),
                                  copies=m.get("copies", 1), required=m.get("required", True),
                                  may_come_later=m.get("may_come_later", False),
                                  key=m.get("required", True) and not m.get("may_come_later", False),
                                  note=m.get("note")) for m in item.materials],
        steps=item.steps, time_limit=time_limit(item.statutory_days, item.promised_days), fees=item.fees,
        online=item.online, visits=item.visits, proxy_allowed=item.proxy_allowed, legal_basis=item.legal_basis,
        life_events=[s.NamedCode(code=c, name=events[c].name if c in events else c,
                                 name_en=events[c].name_en if c in events else None) for c in item.life_events],
        keywords=item.keywords, created_at=item.created_at)


async def get(session: AsyncSession, code: str, version: int | None = None) -> ServiceItem:
    item = (await repository.item_version(session, code, version) if version is not None
            else await repository.current_item(session, code))
    if item is None:
        raise NotFound("item_not_found", code=code)
    return item


async def _check_refs(state: AppState, session: AsyncSession, body: s.ServiceItemBase) -> None:
    snap = await routing.snapshot(state, session)
    if body.category not in routing.leaf_codes(snap):
        raise AppError("category_not_leaf", 422, code=body.category,
                       field_errors=[{"field": "category", "code": "category_not_leaf"}])
    if body.handling_unit_kind not in snap.kind_names:
        raise AppError("unit_kind_unknown", 422, kind=body.handling_unit_kind,
                       field_errors=[{"field": "handling_unit_kind", "code": "unit_kind_unknown"}])
    known = {e.code for e in await repository.life_events(session)}
    for i, code in enumerate(body.life_events):
        if code not in known:
            raise AppError("life_event_unknown", 422, code=code,
                           field_errors=[{"field": f"life_events.{i}", "code": "life_event_unknown"}])


def _row(body: s.ServiceItemBase, code: str, version: int, by: int | None, now: datetime) -> ServiceItem:
    data = body.model_dump(exclude={"code", "category", "fees", "materials"})
    return ServiceItem(code=code, version=version, current=True, status="active", category_code=body.category,
                       fees=body.fees.model_dump(), materials=[m.model_dump() for m in body.materials],
                       created_at=now, created_by=by, **data)


async def create(state: AppState, session: AsyncSession, body: s.ServiceItemCreate, by: int,
                 now: datetime) -> ServiceItem:
    await _check_refs(state, session, body)
    if await repository.item_versions(session, body.code):
        raise AppError("item_exists", 409, code=body.code)
    item = _row(body, body.code, 1, by, now)
    session.add(item)
    await session.flush()
    return item


async def publish(state: AppState, session: AsyncSession, code: str, body: s.ServiceItemUpdate, expected: int,
                  by: int, now: datetime) -> ServiceItem:
    """A new version becomes current; the old one stays for the applications filed under it."""
    current = await get(session, code)
    if expected != current.version:
        raise AppError("version_stale", 412, current=current.version)
    await _check_refs(state, session, body)
    await repository.retire_current(session, code)
    item = _row(body, code, current.version + 1, by, now)
    item.status = current.status
    session.add(item)
    await session.flush()
    return item


async def withdraw(session: AsyncSession, code: str, expected: int, by: int, now: datetime) -> ServiceItem:
    """Withdrawn items are no longer offered; their applications go on under their version."""
    current = await get(session, code)
    if expected != current.version:
        raise AppError("version_stale", 412, current=current.version)
    if current.status == "withdrawn":
        raise AppError("item_withdrawn", 409, code=code)
    await repository.retire_current(session, code)
    data = {k: getattr(current, k) for k in ServiceItem.model_fields if k not in ("id", "version", "current",
                                                                                   "status", "created_at",
                                                                                   "created_by")}
    item = ServiceItem(**data, version=current.version + 1, current=True, status="withdrawn", created_at=now,
                       created_by=by)
    session.add(item)
    await session.flush()
    return item
