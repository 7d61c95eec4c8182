"""A city's reference data in and out. Never commits.

An import reads every file, checks every row against the stored data with the whole batch laid over it, and
either reports (a dry run, or a batch with problems: nothing is written) or writes every row in the request's
one transaction, with an audit record and a new catalogue version. Rows are matched to stored ones by their key
(a code; a routing rule by category, region, work-order type and priority; a place by kind, name and community):
a matching row updates, a new one inserts, and nothing is deleted: a row is retired with `active` = 0.

Caches: the process that applied the import drops every cached reference table when the transaction commits;
every other process (API workers, the worker) reloads them when its cache entry expires, at most
`CSC_ROUTING_CACHE_SECONDS` (5 s by default) later. Cases already open keep the routing decision and deadlines
they were dispatched with (the dispatch event records them); new cases, and cases re-routed because their
category or place changed or a return was re-dispatched, are routed by the new catalogue.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from app.affair.schemas import ServiceItemCreate
from app.calendar.deadlines import Profile
from app.core import audit
from app.core.db import after_commit
from app.core.errors import AppError
from app.delivery.service import check_url
from app.imports import formats, repository
from app.imports.checks import Checker, Problem, Row, Validators, World
from app.imports.sheets import (
    BY_NAME,
    ORDER,
    CellError,
    Sheet,
    closest,
    header_problems,
    read_cell,
    sheet_for,
    write_row,
)
from app.knowledge.schemas import ArticleCreate
from app.models import (
    Boundary,
    CatalogueVersion,
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
from app.regions.boundaries import CHINA_BOX, Box, check_feature, overlaps
from app.routing.schemas import HandlingClass, WorkOrderType

WORK_ORDER_TYPES: tuple[str, ...] = WorkOrderType.__args__  # type: ignore[attr-defined]
HANDLING_CLASSES: tuple[str, ...] = HandlingClass.__args__  # type: ignore[attr-defined]
LEVEL_ORDER = {"province": 0, "city": 1, "district": 2, "subdistrict": 3, "community": 4}


@dataclass
class Batch:
    rows: list[Row] = field(default_factory=list)
    features: list[tuple[str, int, str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class Outcome:
    dry_run: bool
    problems: list[Problem]
    files: list[dict[str, Any]]
    changes: dict[str, dict[str, int]]
    version: int | None = None
    secrets: list[dict[str, str]] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


# --- the city ------------------------------------------------------------------------------------------------------

def city(seed_dir: Path) -> tuple[str, Box, float]:
    """(the city's code, its bounding box, the overlap two boundaries may share), from seed/city.yaml."""
    spec = yaml.safe_load((seed_dir / "city.yaml").read_text(encoding="utf-8"))
    bounds = spec["bounds"]
    tolerance = float((spec.get("boundaries") or {}).get("overlap_tolerance_m2", 0))
    return str(spec["code"]), Box(bounds["south"], bounds["west"], bounds["north"], bounds["east"]), tolerance


# --- reading ------------------------------------------------------------------------------------------------------

def parse(files: Sequence[tuple[str, bytes]]) -> Batch:
    """Every file's tables as rows of values; a file or cell that cannot be read is a problem, never an
    exception."""
    batch = Batch()
    for filename, data in files:
        entry: dict[str, Any] = {"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "tables": []}
        batch.files.append(entry)
        try:
            tables = formats.read(filename, data)
        except formats.FileProblem as exc:
            batch.problems.append(Problem(filename, "", None, None, exc.code, exc.params))
            continue
        for table in tables:
            if isinstance(table, formats.GeoFile):
                count = _features(batch, table)
                entry["tables"].append({"sheet": "boundaries", "rows": count})
                continue
            sheet = sheet_for(table.name, table.header)
            if sheet is None:
                near = closest(table.header)
                missing, unknown, _ = header_problems(near, table.header)
                batch.problems.append(Problem(filename, table.name or "", 1, None, "import_sheet_unknown", {
                    "name": table.name or filename, "closest": near.name, "missing": ", ".join(missing) or "-",
                    "unknown": ", ".join(unknown) or "-"}))
                continue
            entry["tables"].append({"sheet": sheet.name, "rows": len(table.rows)})
            missing, unknown, repeated = header_problems(sheet, table.header)
            if missing or unknown or repeated:
                for code, names in (("import_columns_missing", missing), ("import_columns_unknown", unknown),
                                    ("import_columns_repeated", repeated)):
                    if names:
                        batch.problems.append(Problem(filename, sheet.name, 1, None, code,
                                                      {"columns": ", ".join(names), "sheet": sheet.name}))
                continue
            _rows(batch, filename, sheet, table)
    seen: dict[tuple[str, tuple[Any, ...]], Row] = {}
    for row in batch.rows:
        first = seen.setdefault((row.sheet, row.key), row)
        if first is not row:
            batch.problems.append(Problem(row.file, row.sheet, row.line, None, "import_duplicate_key", {
                "key": " / ".join("" if k is None else str(k) for k in row.key), "line": first.line}))
    return batch


def _rows(batch: Batch, filename: str, sheet: Sheet, table: formats.Table) -> None:
    for line, cells in table.rows:
        values, ok = {}, True
        for i, name in enumerate(table.header):
            column = sheet.column(name)
            try:
                values[name] = read_cell(column, cells[i] if i < len(cells) else None)
            except CellError as exc:
                batch.problems.append(Problem(filename, sheet.name, line, name, exc.code, exc.params))
                ok = False
        if ok:
            batch.rows.append(Row(sheet.name, filename, line, values))


def _features(batch: Batch, geo: formats.GeoFile) -> int:
    data = geo.data
    if not isinstance(data, dict) or data.get("type") != "FeatureCollection" or not isinstance(
            data.get("features"), list):
        batch.problems.append(Problem(geo.file, "boundaries", None, None, "import_geojson_not_collection", {}))
        return 0
    for i, feature in enumerate(data["features"], start=1):
        props = feature.get("properties") if isinstance(feature, dict) else None
        batch.features.append((geo.file, i, "", feature, props if isinstance(props, dict) else {}))
    return len(data["features"])


# --- the stored data ----------------------------------------------------------------------------------------------

async def load_world(session: AsyncSession) -> World:
    world = World()
    for r in await repository.regions(session):
        world.regions[r.code] = {"code": r.code, "name": r.name, "level": r.level, "parent_code": r.parent_code,
                                 "statistical": r.statistical, "aliases": list(r.aliases or [])}
        if r.profile_code:
            world.profile_assignments[r.code] = {"region_code": r.code, "profile_code": r.profile_code}
    for k in await repository.unit_kinds(session):
        world.unit_kinds[k.code] = {"code": k.code, "name": k.name, "name_en": k.name_en, "level": k.level}
    units = await repository.units(session)
    code_of = {u.id: u.code for u in units}
    hooks = {h.unit_id: h for h in await repository.webhooks(session)}
    for u in units:
        hook = hooks.get(u.id)
        world.units[u.code] = {
            "code": u.code, "name": u.name, "kind": u.kind, "region_code": u.region_code,
            "parent_code": code_of.get(u.parent_id) if u.parent_id else None, "phone": u.phone,
            "address": u.address, "webhook_url": hook.url if hook else None,
            "webhook_active": hook.active if hook else True, "active": u.active}
    for c in await repository.categories(session):
        world.categories[c.code] = {"code": c.code, "name": c.name, "name_en": c.name_en,
                                    "parent_code": c.parent_code, "description": c.description, "sort": c.sort,
                                    "active": c.active, "national_code": c.national_code}
    for rule in await repository.rules(session):
        values = {"category_code": rule.category_code, "region_code": rule.region_code,
                  "work_order_type": rule.work_order_type, "lead_kind": rule.lead_kind,
                  "co_kinds": list(rule.co_kinds or []), "handling_class": rule.handling_class,
                  "priority": rule.priority, "active": rule.active, "note": rule.note}
        world.routing_rules.setdefault(Row("routing_rules", "", 0, values).key, values)
    for p in await repository.profiles(session):
        world.deadline_profiles[p.code] = {"code": p.code, "name": p.name, "source": p.source, "spec": p.spec}
    for place in await repository.places(session):
        values = {"kind": place.kind, "name": place.name, "aliases": list(place.aliases or []),
                  "community_code": place.community_code, "road": place.road, "number_from": place.number_from,
                  "number_to": place.number_to, "parity": place.parity, "lat": place.lat, "lng": place.lng,
                  "source": place.source, "verified": place.verified, "note": place.note, "active": place.active}
        world.places[Row("places", "", 0, values).key] = values
    for b in await repository.boundaries(session):
        world.boundaries[b.community_code] = {"geometry": b.geometry, "source": b.source, "synthetic": b.synthetic}
    for a in await repository.articles(session):
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


# --- checking -----------------------------------------------------------------------------------------------------

def _validators(profile_sections: Any) -> Validators:
    def profile(code: str, spec: Any) -> str | None:
        if not isinstance(spec, dict):
            return "spec is not a JSON object"
        try:
            Profile.parse(code, spec, profile_sections)
        except (KeyError, ValueError, TypeError) as exc:
            return f"{type(exc).__name__}: {exc}"[:200]
        return None

    def article(v: dict[str, Any]) -> str | None:
        try:
            ArticleCreate.model_validate({"code": v["code"], "category": v["category_code"], **{
                k: v.get(k) for k in ("question", "answer", "keywords", "policy_title", "document_number",
                                      "valid_from", "valid_to", "note") if v.get(k) is not None}})
        except ValidationError as exc:
            return _validation_text(exc)
        return None

    def service_item(v: dict[str, Any]) -> str | None:
        try:
            _item_model(v)
        except ValidationError as exc:
            return _validation_text(exc)
        return None

    def webhook(url: str) -> bool:
        try:
            check_url(url)
        except AppError:
            return False
        return True

    return Validators(profile=profile, article=article, service_item=service_item, webhook_url=webhook,
                      work_order_types=WORK_ORDER_TYPES, handling_classes=HANDLING_CLASSES)


def _item_model(v: dict[str, Any]) -> ServiceItemCreate:
    fields = ("name", "name_en", "type", "department", "handling_unit_kind", "applicants", "conditions", "materials",
              "steps", "statutory_days", "promised_days", "fees", "online", "visits", "proxy_allowed",
              "legal_basis", "life_events", "keywords")
    return ServiceItemCreate.model_validate({"code": v["code"], "category": v["category_code"],
                                             **{k: v[k] for k in fields if k in v and v[k] is not None}})


def _validation_text(exc: ValidationError) -> str:
    return "; ".join(f"{'.'.join(map(str, e['loc'])) or 'row'}: {e['msg']}" for e in exc.errors()[:3])[:300]


def _defaults(batch: Batch, world: World) -> None:
    """A new row without an optional column takes the column's default; a stored row keeps its value."""
    for row in batch.rows:
        key = row.key if len(row.key) > 1 else row.key[0]
        if key in world.table(row.sheet):
            continue
        for column in BY_NAME[row.sheet].columns:
            if column.name not in row.values:
                row.values[column.name] = read_cell(column, None) if not column.required else None
        if row.sheet == "service_items":
            try:
                model = _item_model(row.values)
            except ValidationError:
                continue
            row.values["materials"] = [m.model_dump() for m in model.materials]
            row.values["fees"] = model.fees.model_dump()


def check(batch: Batch, world: World, *, profile_sections: Any, city_code: str, box: Box,
          tolerance_m2: float) -> list[Problem]:
    _defaults(batch, world)
    problems = list(batch.problems)
    problems += Checker(world, batch.rows, _validators(profile_sections), box, city_code).run()
    merged = world.overlay(batch.rows)
    fresh: dict[str, dict[str, Any]] = {}
    where: dict[str, tuple[str, int]] = {}
    for file, index, _, feature, props in batch.features:
        # The city's own communities must lie in its box; another city's (a demo, a neighbour) in China's.
        code, geometry, found = check_feature(index, feature, box if str(props.get("code", "")).startswith(
            city_code[:4]) else Box(*CHINA_BOX))
        problems += [Problem(file, "boundaries", p.feature, "geometry", p.code, p.params) for p in found]
        if code is None:
            continue
        if code in where:
            problems.append(Problem(file, "boundaries", index, "code", "import_duplicate_key",
                                    {"key": code, "line": where[code][1]}))
            continue
        where[code] = (file, index)
        region = merged.regions.get(code)
        if region is None:
            problems.append(Problem(file, "boundaries", index, "code", "import_region_unknown", {"code": code}))
        elif region.get("level") != "community" or region.get("statistical"):
            problems.append(Problem(file, "boundaries", index, "code", "import_not_a_community", {"code": code}))
        elif geometry is not None:
            fresh[code] = geometry
    if fresh:
        polygons = {c: b["geometry"] for c, b in world.boundaries.items()}
        polygons.update(fresh)
        for a, b, area in overlaps(polygons, fresh, tolerance_m2):
            mine = a if a in fresh else b
            file, index = where[mine]
            problems.append(Problem(file, "boundaries", index, "geometry", "import_boundaries_overlap", {
                "code": mine, "other": b if mine == a else a, "area": area, "tolerance": tolerance_m2}))
    return problems


# --- writing ------------------------------------------------------------------------------------------------------

def _changed(stored: Any, values: dict[str, Any], fields: Sequence[str]) -> bool:
    return any(getattr(stored, f) != values[f] for f in fields if f in values)


def _set(target: Any, values: dict[str, Any], fields: Sequence[str]) -> None:
    for f in fields:
        if f in values:
            setattr(target, f, values[f])


async def apply(session: AsyncSession, batch: Batch, world: World, *, now: datetime, actor: int | None,
                secrets_for: Any) -> tuple[dict[str, dict[str, int]], list[dict[str, str]]]:
    """Writes every row (checked already), returns (changes by sheet, webhook secrets issued)."""
    changes: dict[str, dict[str, int]] = {}
    issued: list[dict[str, str]] = []

    def count(sheet: str, what: str) -> None:
        changes.setdefault(sheet, {"inserted": 0, "updated": 0, "unchanged": 0})[what] += 1

    by_sheet: dict[str, list[Row]] = {name: [] for name in ORDER}
    for row in batch.rows:
        by_sheet[row.sheet].append(row)

    regions = {r.code: r for r in await repository.regions(session)}
    for row in sorted(by_sheet["regions"], key=lambda r: (LEVEL_ORDER[r.values["level"]], r.values["code"])):
        fields = ("name", "level", "parent_code", "statistical", "aliases")
        region = regions.get(row.values["code"])
        if region is None:
            region = Region(code=row.values["code"], **{f: row.values[f] for f in fields})
            repository.add(session, region)
            regions[region.code] = region
            count("regions", "inserted")
        elif _changed(region, row.values, fields):
            _set(region, row.values, fields)
            count("regions", "updated")
        else:
            count("regions", "unchanged")
        await repository.flush(session)

    kinds = {k.code: k for k in await repository.unit_kinds(session)}
    for row in by_sheet["unit_kinds"]:
        fields = ("name", "name_en", "level")
        kind = kinds.get(row.values["code"])
        if kind is None:
            repository.add(session, UnitKind(code=row.values["code"], **{f: row.values[f] for f in fields}))
            count("unit_kinds", "inserted")
        elif _changed(kind, row.values, fields):
            _set(kind, row.values, fields)
            count("unit_kinds", "updated")
        else:
            count("unit_kinds", "unchanged")
    await repository.flush(session)

    units = {u.code: u for u in await repository.units(session)}
    hooks = {h.unit_id: h for h in await repository.webhooks(session)}
    fields = ("name", "kind", "region_code", "phone", "address", "active")
    touched: dict[str, bool] = {}
    for row in by_sheet["units"]:
        unit = units.get(row.values["code"])
        if unit is None:
            unit = Unit(code=row.values["code"], created_at=now, **{f: row.values[f] for f in fields})
            repository.add(session, unit)
            units[unit.code] = unit
            touched[unit.code] = True
        else:
            touched[unit.code] = _changed(unit, row.values, fields)
            _set(unit, row.values, fields)
    await repository.flush(session)
    for row in by_sheet["units"]:
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
        count("units", "inserted" if was_new else "updated" if touched[unit.code] else "unchanged")
    await repository.flush(session)

    categories = {c.code: c for c in await repository.categories(session)}
    depth = {code: _depth(code, {**{k: v.get("parent_code") for k, v in world.categories.items()},
                                 **{r.values["code"]: r.values.get("parent_code") for r in by_sheet["categories"]}})
             for code in [r.values["code"] for r in by_sheet["categories"]]}
    for row in sorted(by_sheet["categories"], key=lambda r: depth[r.values["code"]]):
        fields = ("name", "name_en", "parent_code", "description", "sort", "active", "national_code")
        category = categories.get(row.values["code"])
        if category is None:
            category = Category(code=row.values["code"], **{f: row.values[f] for f in fields})
            repository.add(session, category)
            categories[category.code] = category
            count("categories", "inserted")
        elif _changed(category, row.values, fields):
            _set(category, row.values, fields)
            count("categories", "updated")
        else:
            count("categories", "unchanged")
        await repository.flush(session)

    stored_rules: dict[tuple[Any, ...], RoutingRule] = {}
    for rule in await repository.rules(session):
        stored_rules.setdefault((rule.category_code, rule.region_code, rule.work_order_type, rule.priority), rule)
    for row in by_sheet["routing_rules"]:
        fields = ("lead_kind", "co_kinds", "handling_class", "active", "note")
        rule = stored_rules.get(row.key)
        if rule is None:
            repository.add(session, RoutingRule(
                category_code=row.values["category_code"], region_code=row.values["region_code"],
                work_order_type=row.values["work_order_type"], priority=row.values["priority"], created_at=now,
                updated_at=now, **{f: row.values[f] for f in fields}))
            count("routing_rules", "inserted")
        elif _changed(rule, row.values, fields):
            _set(rule, row.values, fields)
            rule.version += 1
            rule.updated_at = now
            count("routing_rules", "updated")
        else:
            count("routing_rules", "unchanged")

    profiles = {p.code: p for p in await repository.profiles(session)}
    for row in by_sheet["deadline_profiles"]:
        fields = ("name", "source", "spec")
        profile = profiles.get(row.values["code"])
        if profile is None:
            repository.add(session, DeadlineProfile(code=row.values["code"], **{f: row.values[f] for f in fields}))
            count("deadline_profiles", "inserted")
        elif _changed(profile, row.values, fields):
            _set(profile, row.values, fields)
            count("deadline_profiles", "updated")
        else:
            count("deadline_profiles", "unchanged")
    await repository.flush(session)

    for row in by_sheet["profile_assignments"]:
        region = regions[row.values["region_code"]]
        wanted = row.values.get("profile_code") or None
        if region.profile_code != wanted:
            region.profile_code = wanted
            count("profile_assignments", "updated")
        else:
            count("profile_assignments", "unchanged")

    places = {(p.kind, p.name, p.community_code): p for p in await repository.places(session)}
    place_fields = ("aliases", "road", "number_from", "number_to", "parity", "lat", "lng", "source", "verified",
                    "note", "active")
    for row in by_sheet["places"]:
        place = places.get(row.key)
        if place is None:
            repository.add(session, Place(kind=row.values["kind"], name=row.values["name"],
                                          community_code=row.values["community_code"],
                                          **{f: row.values[f] for f in place_fields}))
            count("places", "inserted")
        elif _changed(place, row.values, place_fields):
            _set(place, row.values, place_fields)
            count("places", "updated")
        else:
            count("places", "unchanged")

    stored_bounds = {b.community_code: b for b in await repository.boundaries(session)}
    for file, _index, _, feature, props in batch.features:
        code = str(props.get("code") or props.get("community_code"))
        geometry = {"type": feature["geometry"]["type"], "coordinates": feature["geometry"]["coordinates"]}
        values = {"geometry": geometry, "source": str(props.get("source") or file),
                  "synthetic": bool(props.get("synthetic", False))}
        bound = stored_bounds.get(code)
        if bound is None:
            repository.add(session, Boundary(community_code=code, updated_at=now, **values))
            count("boundaries", "inserted")
        elif _changed(bound, values, tuple(values)):
            _set(bound, values, tuple(values))
            bound.updated_at = now
            count("boundaries", "updated")
        else:
            count("boundaries", "unchanged")

    articles = {a.code: a for a in await repository.articles(session)}
    for row in by_sheet["knowledge_articles"]:
        fields = ("category_code", "question", "answer", "keywords", "policy_title", "document_number",
                  "valid_from", "valid_to", "note", "active")
        article = articles.get(row.values["code"])
        if article is None:
            repository.add(session, KnowledgeArticle(code=row.values["code"], created_at=now, updated_at=now,
                                                     **{f: row.values[f] for f in fields}))
            count("knowledge_articles", "inserted")
        elif _changed(article, row.values, fields):
            _set(article, row.values, fields)
            article.version += 1
            article.updated_at = now
            count("knowledge_articles", "updated")
        else:
            count("knowledge_articles", "unchanged")

    items = {i.code: i for i in await repository.current_items(session)}
    item_fields = ("name", "name_en", "type", "category_code", "department", "handling_unit_kind", "applicants",
                   "conditions", "materials", "steps", "statutory_days", "promised_days", "fees", "online",
                   "visits", "proxy_allowed", "legal_basis", "life_events", "keywords", "status")
    for row in by_sheet["service_items"]:
        current = items.get(row.values["code"])
        if current is not None and not _changed(current, row.values, item_fields):
            count("service_items", "unchanged")
            continue
        # A changed item is a new version; applications filed under the old one keep it.
        data = {f: row.values[f] if f in row.values else getattr(current, f) for f in item_fields}
        if current is not None:
            await repository.retire_item(session, current.code)
        repository.add(session, ServiceItem(code=row.values["code"], version=(current.version + 1) if current else 1,
                                            current=True, created_at=now, created_by=actor, **data))
        count("service_items", "updated" if current else "inserted")
    await repository.flush(session)
    return changes, issued


def _depth(code: str, parents: dict[str, str | None]) -> int:
    depth, step, seen = 0, parents.get(code), {code}
    while step and step not in seen:
        seen.add(step)
        depth, step = depth + 1, parents.get(step)
    return depth


async def run(session: AsyncSession, files: Sequence[tuple[str, bytes]], *, dry_run: bool, now: datetime,
              actor: int | None, profile_sections: Any, seed_dir: Path, secrets_for: Any,
              on_commit: Any = None) -> Outcome:
    """Reads, checks and (unless a dry run, or a problem was found) writes; the caller's transaction commits."""
    if not files:
        return Outcome(dry_run, [Problem("", "", None, None, "import_no_files", {})], [], {})
    batch = parse(files)
    world = await load_world(session)
    city_code, box, tolerance = city(seed_dir)
    problems = check(batch, world, profile_sections=profile_sections, city_code=city_code, box=box,
                     tolerance_m2=tolerance)
    if problems or dry_run:
        return Outcome(dry_run, _sorted(problems), batch.files, _planned(batch, world))
    changes, issued = await apply(session, batch, world, now=now, actor=actor, secrets_for=secrets_for)
    version = CatalogueVersion(at=now, actor_user_id=actor, files=batch.files, changes=changes)
    repository.add(session, version)
    await repository.flush(session)
    audit.record(session, at=now, action="catalogue.import", actor_user_id=actor, target_type="catalogue_version",
                 target_id=version.id, detail={"files": [f["file"] for f in batch.files], "changes": changes,
                                               "webhook_secrets_issued": [s["unit_code"] for s in issued]})
    if on_commit is not None:
        after_commit(session, "catalogue", on_commit)
    return Outcome(False, [], batch.files, changes, version.id, issued)


def _planned(batch: Batch, world: World) -> dict[str, dict[str, int]]:
    """What applying would do, by sheet: rows new, changed, or the same as stored."""
    out: dict[str, dict[str, int]] = {}
    for row in batch.rows:
        key = row.key if len(row.key) > 1 else row.key[0]
        stored = world.table(row.sheet).get(key)
        what = "inserted" if stored is None else (
            "updated" if any(stored.get(k) != v for k, v in row.values.items()) else "unchanged")
        out.setdefault(row.sheet, {"inserted": 0, "updated": 0, "unchanged": 0})[what] += 1
    for _file, _i, _, _feature, props in batch.features:
        what = "updated" if str(props.get("code")) in world.boundaries else "inserted"
        out.setdefault("boundaries", {"inserted": 0, "updated": 0, "unchanged": 0})[what] += 1
    return out


def _sorted(problems: list[Problem]) -> list[Problem]:
    return sorted(problems, key=lambda p: (p.file, ORDER.index(p.sheet) if p.sheet in ORDER else -1, p.line or 0,
                                           p.column or ""))


# --- exporting ----------------------------------------------------------------------------------------------------

def tables(world: World, sheets: Sequence[str]) -> list[tuple[str, list[str], list[list[str]]]]:
    """The named sheets, in ORDER, each as (name, header, rows of cell texts)."""
    out = []
    for name in ORDER:
        if name not in sheets or name == "boundaries":
            continue
        sheet = BY_NAME[name]
        rows = [write_row(sheet, values) for values in world.table(name).values()]
        if name in ("regions", "unit_kinds", "units", "categories", "deadline_profiles", "profile_assignments",
                    "knowledge_articles", "service_items"):
            rows.sort(key=lambda r: r[0])
        out.append((name, list(sheet.names), rows))
    return out


def geojson(world: World) -> bytes:
    features = [{"type": "Feature", "properties": {"code": code, "name": (world.regions.get(code) or {}).get("name"),
                                                   "source": b["source"], "synthetic": b["synthetic"]},
                 "geometry": b["geometry"]} for code, b in sorted(world.boundaries.items())]
    return formats.write_geojson(features)


async def export(session: AsyncSession, sheets: Sequence[str], fmt: str) -> bytes:
    """One CSV (one sheet), a workbook (any sheets) or the boundaries as GeoJSON."""
    world = await load_world(session)
    if fmt == "geojson":
        return geojson(world)
    found = tables(world, sheets)
    if fmt == "csv":
        _name, header, rows = found[0]
        return formats.write_csv(header, rows)
    return formats.write_xlsx(found)
