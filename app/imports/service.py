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
category or place changed or a return was re-dispatched, are routed by the new catalogue. A unit retired, or
moved to another place or kind (机构改革), is the exception: each open case it holds that the new catalogue no
longer gives it is routed again in the import's transaction (`units_changed` below), or the import is refused
when no unit could take it. A retired category
stays on the cases filed under it; new cases cannot take it.
"""

from collections.abc import Awaitable, Callable, Mapping, Sequence
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
from app.imports import repository
from app.imports.checks import Checker, Problem, Row, Validators, World
from app.imports.exporting import export, geojson, tables
from app.imports.reading import Batch, parse
from app.imports.sheets import BY_NAME, ORDER, read_cell
from app.imports.stored import load_world
from app.imports.writing import apply
from app.knowledge.schemas import ArticleCreate
from app.models import CatalogueVersion
from app.regions.boundaries import CHINA_BOX, Box, check_feature, overlaps
from app.routing.schemas import HandlingClass, WorkOrderType

__all__ = ["Batch", "Outcome", "apply", "check", "city", "export", "geojson", "load_world", "parse", "run", "tables"]

# The retired or moved units' ids, each with its kind before the import, and whether this is a dry run -> by unit,
# (open cases moved, open cases no unit can take).
UnitsChanged = Callable[[Mapping[int, str], bool], Awaitable[Mapping[int, tuple[int, int]]]]

WORK_ORDER_TYPES: tuple[str, ...] = WorkOrderType.__args__  # type: ignore[attr-defined]
HANDLING_CLASSES: tuple[str, ...] = HandlingClass.__args__  # type: ignore[attr-defined]


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


async def run(session: AsyncSession, files: Sequence[tuple[str, bytes]], *, dry_run: bool, now: datetime,
              actor: int | None, profile_sections: Any, seed_dir: Path, secrets_for: Any,
              on_commit: Any = None, units_changed: UnitsChanged | None = None,
              reload: Callable[[], None] | None = None) -> Outcome:
    """Reads, checks and (unless a dry run, or a problem was found) writes; the caller's transaction commits.

    A batch that retires units, or moves them to another place or kind (机构改革), is written in a savepoint,
    and `units_changed` (the spine's listeners) routes again the open cases the new catalogue no longer gives
    them; `reload` drops the process's cached reference data so that they see it. A dry run, or a case no unit
    can take any more (a per-row problem naming the unit and how many open cases it holds), rolls the savepoint
    back: nothing is written. Either way the report counts the open cases moved (`units.open_cases_rerouted`)."""
    if not files:
        return Outcome(dry_run, [Problem("", "", None, None, "import_no_files", {})], [], {})
    batch = parse(files)
    world = await load_world(session)
    city_code, box, tolerance = city(seed_dir)
    problems = check(batch, world, profile_sections=profile_sections, city_code=city_code, box=box,
                     tolerance_m2=tolerance)
    changing = _changing(batch, world)
    if problems or (dry_run and (not changing or units_changed is None)):
        return Outcome(dry_run, _sorted(problems), batch.files, _planned(batch, world))
    async with session.begin_nested() as savepoint:
        changes, issued = await apply(session, batch, world, now=now, actor=actor, secrets_for=secrets_for)
        if changing and units_changed is not None:
            problems, moved = await _rehome(session, changing, world, units_changed, dry_run, reload)
            changes.setdefault("units", {"inserted": 0, "updated": 0, "unchanged": 0})["open_cases_rerouted"] = moved
        if problems or dry_run:
            await savepoint.rollback()
    if problems or dry_run:
        if reload is not None:
            reload()  # what was loaded inside the savepoint is gone
        planned = _planned(batch, world)
        if "units" in changes and "open_cases_rerouted" in changes["units"]:
            planned.setdefault("units", {"inserted": 0, "updated": 0, "unchanged": 0})["open_cases_rerouted"] = (
                changes["units"]["open_cases_rerouted"])
        return Outcome(dry_run, _sorted(problems), batch.files, planned)
    version = CatalogueVersion(at=now, actor_user_id=actor, files=batch.files, changes=changes)
    repository.add(session, version)
    await repository.flush(session)
    audit.record(session, at=now, action="catalogue.import", actor_user_id=actor, target_type="catalogue_version",
                 target_id=version.id, detail={"files": [f["file"] for f in batch.files], "changes": changes,
                                               "webhook_secrets_issued": [s["unit_code"] for s in issued]})
    if on_commit is not None:
        after_commit(session, "catalogue", on_commit)
    return Outcome(False, [], batch.files, changes, version.id, issued)


def _changing(batch: Batch, world: World) -> list[Row]:
    """The rows of `units` that retire a unit now active, or give it another jurisdiction or kind."""
    out = []
    for row in batch.rows:
        stored = world.units.get(row.values["code"]) if row.sheet == "units" else None
        if stored and stored.get("active") and (row.values.get("active") is False or any(
                row.values.get(k) not in (None, stored.get(k)) for k in ("region_code", "kind"))):
            out.append(row)
    return out


async def _rehome(session: AsyncSession, rows: list[Row], world: World, units_changed: UnitsChanged,
                  dry_run: bool, reload: Callable[[], None] | None) -> tuple[list[Problem], int]:
    """The open cases the retired or moved units can no longer hold routed again (or, in a dry run, counted):
    (problems, cases moved)."""
    ids = await repository.unit_ids(session, [row.values["code"] for row in rows])
    if reload is not None:
        reload()  # the routing snapshot as this transaction now has it
    found = await units_changed({ids[row.values["code"]]: world.units[row.values["code"]]["kind"] for row in rows},
                                dry_run)
    problems: list[Problem] = []
    moved = 0
    for row in rows:
        unit_id = ids[row.values["code"]]
        cases_moved, stranded = found.get(unit_id, (0, 0))
        moved += cases_moved
        if stranded:
            retiring = row.values.get("active") is False
            problems.append(Problem(row.file, "units", row.line, "active" if retiring else "region_code",
                                    "import_unit_cases_stranded" if retiring else "import_unit_move_strands_cases",
                                    {"code": row.values["code"], "count": stranded}))
    return problems, moved


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
