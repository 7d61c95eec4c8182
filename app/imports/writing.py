"""Writing a checked batch: every row matched to the stored one by its key, inserted, updated or left as it is.
Never commits; rows are never deleted (a row is retired with `active` = 0)."""

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.imports import repository
from app.imports.checks import Row, World
from app.imports.reading import Batch
from app.imports.sheets import ORDER
from app.models import (
    Boundary,
    Category,
    DeadlineProfile,
    KnowledgeArticle,
    Place,
    Region,
    RoutingRule,
    ServiceItem,
    Unit,
    UnitKind,
    UnitWebhook,
)

LEVEL_ORDER = {"province": 0, "city": 1, "district": 2, "subdistrict": 3, "community": 4}


def _changed(stored: Any, values: dict[str, Any], fields: Sequence[str]) -> bool:
    return any(getattr(stored, f) != values[f] for f in fields if f in values)


def _set(target: Any, values: dict[str, Any], fields: Sequence[str]) -> None:
    for f in fields:
        if f in values:
            setattr(target, f, values[f])


def _picked(values: dict[str, Any], fields: Sequence[str]) -> dict[str, Any]:
    return {f: values[f] for f in fields}


class Writer:
    """The session, the moment, and what was done by sheet."""

    def __init__(self, session: AsyncSession, now: datetime) -> None:
        self.session, self.now = session, now
        self.changes: dict[str, dict[str, int]] = {}

    def count(self, sheet: str, what: str) -> None:
        self.changes.setdefault(sheet, {"inserted": 0, "updated": 0, "unchanged": 0})[what] += 1

    def upsert(self, sheet: str, stored: dict[Any, Any], key: Any, values: dict[str, Any], fields: Sequence[str],
               make: Callable[[Any, dict[str, Any]], Any], touch: Callable[[Any], None] | None = None) -> Any:
        """The stored row under `key` brought up to `values` (`touch` marks a changed one: its version, its time),
        or a new one, `make(key, values)`, added; counted either way."""
        row = stored.get(key)
        if row is None:
            row = stored[key] = make(key, values)
            repository.add(self.session, row)
            self.count(sheet, "inserted")
        elif _changed(row, values, fields):
            _set(row, values, fields)
            if touch is not None:
                touch(row)
            self.count(sheet, "updated")
        else:
            self.count(sheet, "unchanged")
        return row

    def touched(self, row: Any) -> None:
        row.version += 1
        row.updated_at = self.now


async def apply(session: AsyncSession, batch: Batch, world: World, *, now: datetime, actor: int | None,
                secrets_for: Any) -> tuple[dict[str, dict[str, int]], list[dict[str, str]]]:
    """Writes every row (checked already), returns (changes by sheet, webhook secrets issued)."""
    w = Writer(session, now)
    by_sheet: dict[str, list[Row]] = {name: [] for name in ORDER}
    for row in batch.rows:
        by_sheet[row.sheet].append(row)

    regions = {r.code: r for r in await repository.all_rows(session, Region)}
    fields: Sequence[str] = ("name", "level", "parent_code", "statistical", "aliases", "name_en")
    for row in sorted(by_sheet["regions"], key=lambda r: (LEVEL_ORDER[r.values["level"]], r.values["code"])):
        v = row.values
        w.upsert("regions", regions, v["code"], v, fields, lambda c, v: Region(code=c, **_picked(v, fields)))
        await repository.flush(session)

    kinds = {k.code: k for k in await repository.all_rows(session, UnitKind)}
    fields = ("name", "name_en", "level")
    for row in by_sheet["unit_kinds"]:
        v = row.values
        w.upsert("unit_kinds", kinds, v["code"], v, fields, lambda c, v: UnitKind(code=c, **_picked(v, fields)))
    await repository.flush(session)

    issued = await _units(w, by_sheet["units"], world, secrets_for)

    categories = {c.code: c for c in await repository.all_rows(session, Category)}
    depth = {code: _depth(code, {**{k: v.get("parent_code") for k, v in world.categories.items()},
                                 **{r.values["code"]: r.values.get("parent_code") for r in by_sheet["categories"]}})
             for code in [r.values["code"] for r in by_sheet["categories"]]}
    fields = ("name", "name_en", "parent_code", "description", "sort", "active", "national_code")
    for row in sorted(by_sheet["categories"], key=lambda r: depth[r.values["code"]]):
        v = row.values
        w.upsert("categories", categories, v["code"], v, fields, lambda c, v: Category(code=c, **_picked(v, fields)))
        await repository.flush(session)

    stored_rules: dict[tuple[Any, ...], RoutingRule] = {}
    for rule in await repository.all_rows(session, RoutingRule):
        stored_rules.setdefault((rule.category_code, rule.region_code, rule.work_order_type, rule.priority), rule)
    fields = ("lead_kind", "co_kinds", "handling_class", "active", "note")
    for row in by_sheet["routing_rules"]:
        v = row.values
        w.upsert("routing_rules", stored_rules, row.key, v, fields, lambda _, v: RoutingRule(
            category_code=v["category_code"], region_code=v["region_code"], work_order_type=v["work_order_type"],
            priority=v["priority"], created_at=now, updated_at=now, **_picked(v, fields)), w.touched)

    profiles = {p.code: p for p in await repository.all_rows(session, DeadlineProfile)}
    fields = ("name", "source", "spec")
    for row in by_sheet["deadline_profiles"]:
        v = row.values
        w.upsert("deadline_profiles", profiles, v["code"], v, fields,
                 lambda c, v: DeadlineProfile(code=c, **_picked(v, fields)))
    await repository.flush(session)

    for row in by_sheet["profile_assignments"]:
        region = regions[row.values["region_code"]]
        wanted = row.values.get("profile_code") or None
        w.count("profile_assignments", "unchanged" if region.profile_code == wanted else "updated")
        region.profile_code = wanted

    places = {(p.kind, p.name, p.community_code): p for p in await repository.all_rows(session, Place)}
    fields = ("aliases", "road", "number_from", "number_to", "parity", "latitude", "longitude", "source", "verified",
              "note", "active")
    for row in by_sheet["places"]:
        v = row.values
        w.upsert("places", places, row.key, v, fields, lambda _, v: Place(
            kind=v["kind"], name=v["name"], community_code=v["community_code"], **_picked(v, fields)))

    bounds = {b.community_code: b for b in await repository.all_rows(session, Boundary)}
    for file, _index, _, feature, props in batch.features:
        code = str(props.get("code") or props.get("community_code"))
        geometry = {"type": feature["geometry"]["type"], "coordinates": feature["geometry"]["coordinates"]}
        values = {"geometry": geometry, "source": str(props.get("source") or file),
                  "synthetic": bool(props.get("synthetic", False))}
        w.upsert("boundaries", bounds, code, values, tuple(values),
                 lambda c, v: Boundary(community_code=c, updated_at=now, **v),
                 lambda b: setattr(b, "updated_at", now))

    articles = {a.code: a for a in await repository.all_rows(session, KnowledgeArticle)}
    fields = ("category_code", "question", "answer", "keywords", "policy_title", "document_number", "valid_from",
              "valid_to", "note", "active")
    for row in by_sheet["knowledge_articles"]:
        v = row.values
        w.upsert("knowledge_articles", articles, v["code"], v, fields, lambda c, v: KnowledgeArticle(
            code=c, created_at=now, updated_at=now, **_picked(v, fields)), w.touched)

    await _items(w, by_sheet["service_items"], actor)
    await repository.flush(session)
    return w.changes, issued


async def _units(w: Writer, rows: list[Row], world: World, secrets_for: Any) -> list[dict[str, str]]:
    """Units, then their parents (which may be in the batch) and webhooks; a unit counts as updated when any of
    the three changed."""
    session, now = w.session, w.now
    issued: list[dict[str, str]] = []
    units = {u.code: u for u in await repository.all_rows(session, Unit)}
    hooks = {h.unit_id: h for h in await repository.all_rows(session, UnitWebhook)}
    fields = ("name", "kind", "region_code", "phone", "address", "active")
    touched: dict[str, bool] = {}
    for row in rows:
        unit = units.get(row.values["code"])
        if unit is None:
            unit = Unit(code=row.values["code"], created_at=now, **_picked(row.values, fields))
            repository.add(session, unit)
            units[unit.code] = unit
            touched[unit.code] = True
        else:
            touched[unit.code] = _changed(unit, row.values, fields)
            _set(unit, row.values, fields)
    await repository.flush(session)
    for row in rows:
        unit = units[row.values["code"]]
        if "parent_code" in row.values:
            parent_id = units[row.values["parent_code"]].id if row.values["parent_code"] else None
            if unit.parent_id != parent_id:
                unit.parent_id, touched[unit.code] = parent_id, True
        url = row.values.get("webhook_url")
        if url:  # an empty cell leaves a stored webhook as it is
            active = row.values.get("webhook_active", True)
            hook = hooks.get(unit.id) if unit.id is not None else None
            if hook is None:
                secret = secrets_for()
                repository.add(session, UnitWebhook(unit_id=unit.id, url=url, secret=secret, active=active,
                                                    created_at=now, updated_at=now))
                issued.append({"unit_code": unit.code, "secret": secret})
                touched[unit.code] = True
            elif (hook.url, hook.active) != (url, active):
                hook.url, hook.active, hook.updated_at = url, active, now
                touched[unit.code] = True
        was_new = row.values["code"] not in world.units
        w.count("units", "inserted" if was_new else "updated" if touched[unit.code] else "unchanged")
    await repository.flush(session)
    return issued


ITEM_FIELDS = ("name", "name_en", "type", "category_code", "department", "handling_unit_kind", "applicants",
               "conditions", "materials", "steps", "statutory_days", "promised_days", "fees", "online", "visits",
               "proxy_allowed", "legal_basis", "life_events", "keywords", "status")


async def _items(w: Writer, rows: list[Row], actor: int | None) -> None:
    """A changed service item is a new version; applications filed under the old one keep it."""
    items = {i.code: i for i in await repository.current_items(w.session)}
    for row in rows:
        current = items.get(row.values["code"])
        if current is not None and not _changed(current, row.values, ITEM_FIELDS):
            w.count("service_items", "unchanged")
            continue
        data = {f: row.values[f] if f in row.values else getattr(current, f) for f in ITEM_FIELDS}
        if current is not None:
            await repository.retire_item(w.session, current.code)
        repository.add(w.session, ServiceItem(code=row.values["code"], version=(current.version + 1) if current else 1,
                                              current=True, created_at=w.now, created_by=actor, **data))
        w.count("service_items", "updated" if current else "inserted")


def _depth(code: str, parents: dict[str, str | None]) -> int:
    depth, step, seen = 0, parents.get(code), {code}
    while step and step not in seen:
        seen.add(step)
        depth, step = depth + 1, parents.get(step)
    return depth
