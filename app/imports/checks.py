"""What a batch of reference data must satisfy before any of it is written. Pure: the stored data (`World`) and the
batch's rows in, every row's problems out; nothing is decided by what happens to be checked first.

A row is checked against the stored data with the whole batch laid over it, so that a file may bring a region
and the units placed in it together, in any order of files. Checks that span rows (a cycle in the unit tree, a
name used twice, a place in two communities, overlapping road segments or boundaries, a rule whose unit kind no
region has) are reported on the batch's rows they involve.
"""

import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from app.imports.sheets import BY_NAME
from app.regions.boundaries import Box

LEVELS = ("province", "city", "district", "subdistrict", "community")
DEPTH = {level: i for i, level in enumerate(LEVELS)}
SIGNIFICANT = {"province": 2, "city": 4, "district": 6, "subdistrict": 9, "community": 12}
PLACE_KINDS = ("compound", "landmark", "road_segment")
PARITIES = ("odd", "even", "all")
# Tags of a place's note that declare it in several communities on purpose (seed/places/README.md).
DECLARED_SPREAD = ("spans", "ambiguous", "uncertain-community")
NATIONAL_CODE = re.compile(r"^[0-9A-Za-z][0-9A-Za-z.\-]{0,31}$")  # GB/T 39666-2020 codes; the format is loose


@dataclass
class Row:
    sheet: str
    file: str
    line: int
    values: dict[str, Any]

    @property
    def key(self) -> tuple[Any, ...]:
        return tuple(self.values.get(k) for k in BY_NAME[self.sheet].key) if self.sheet in BY_NAME else (
            self.values.get("code"),)


@dataclass(frozen=True)
class Problem:
    file: str
    sheet: str
    line: int | None
    column: str | None
    code: str
    params: Mapping[str, Any] = field(default_factory=dict)


@dataclass
class World:
    """The reference data as stored, each table by its key (the same keys the sheets use)."""

    regions: dict[str, dict[str, Any]] = field(default_factory=dict)
    unit_kinds: dict[str, dict[str, Any]] = field(default_factory=dict)
    units: dict[str, dict[str, Any]] = field(default_factory=dict)
    categories: dict[str, dict[str, Any]] = field(default_factory=dict)
    routing_rules: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    deadline_profiles: dict[str, dict[str, Any]] = field(default_factory=dict)
    profile_assignments: dict[str, dict[str, Any]] = field(default_factory=dict)
    places: dict[tuple[Any, ...], dict[str, Any]] = field(default_factory=dict)
    knowledge_articles: dict[str, dict[str, Any]] = field(default_factory=dict)
    service_items: dict[str, dict[str, Any]] = field(default_factory=dict)
    boundaries: dict[str, dict[str, Any]] = field(default_factory=dict)  # community -> GeoJSON geometry
    life_events: set[str] = field(default_factory=set)

    def table(self, sheet: str) -> dict[Any, dict[str, Any]]:
        found: dict[Any, dict[str, Any]] = getattr(self, sheet)
        return found

    def overlay(self, rows: Iterable[Row]) -> "World":
        merged = World(**{name: dict(getattr(self, name)) for name in (
            "regions", "unit_kinds", "units", "categories", "routing_rules", "deadline_profiles",
            "profile_assignments", "places", "knowledge_articles", "service_items", "boundaries")},
            life_events=set(self.life_events))
        for row in rows:
            table = merged.table(row.sheet)
            key = row.key if len(row.key) > 1 else row.key[0]
            table[key] = {**table.get(key, {}), **row.values}
        return merged


@dataclass(frozen=True)
class Validators:
    """Checks that belong to other packages, handed in: (value) -> a problem's text, or None when it is fine."""

    profile: Callable[[str, Any], str | None]
    article: Callable[[dict[str, Any]], str | None]
    service_item: Callable[[dict[str, Any]], str | None]
    webhook_url: Callable[[str], bool]
    work_order_types: tuple[str, ...]
    handling_classes: tuple[str, ...]
    item_statuses: tuple[str, ...] = ("active", "withdrawn")


class Checker:
    def __init__(self, world: World, rows: list[Row], validators: Validators, city_box: Box, city_code: str):
        self.before = world
        self.rows = rows
        self.world = world.overlay(rows)
        self.v = validators
        self.box = city_box
        self.city_prefix = city_code[:4]
        self.problems: list[Problem] = []

    def add(self, row: Row, column: str | None, error: str, /, **params: Any) -> None:
        self.problems.append(Problem(row.file, row.sheet, row.line, column, error, params))

    def run(self) -> list[Problem]:
        for row in self.rows:
            getattr(self, f"_{row.sheet}")(row)
        by_sheet: dict[str, list[Row]] = defaultdict(list)
        for row in self.rows:
            by_sheet[row.sheet].append(row)
        self._tree(by_sheet["units"], self.world.units, "import_unit_cycle")
        self._tree(by_sheet["categories"], self.world.categories, "import_category_cycle")
        self._names(by_sheet)
        self._places_spread(by_sheet["places"])
        self._rule_units(by_sheet["routing_rules"])
        return self.problems

    # --- one row ------------------------------------------------------------------------------------------------

    def _region(self, row: Row, column: str, code: str | None, *, community: bool = False) -> dict[str, Any] | None:
        if not code:
            return None
        region = self.world.regions.get(code)
        if not re.fullmatch(r"\d{12}", code):
            self.add(row, column, "import_region_code_invalid", code=code)
        elif region is None:
            self.add(row, column, "import_region_unknown", code=code)
        elif community and (region.get("level") != "community" or region.get("statistical")):
            self.add(row, column, "import_not_a_community", code=code)
        return region

    def _regions(self, row: Row) -> None:
        v = row.values
        code, level, parent_code = v["code"], v["level"], v.get("parent_code")
        if not re.fullmatch(r"\d{12}", code):
            self.add(row, "code", "import_region_code_invalid", code=code)
            return
        if level not in LEVELS:
            self.add(row, "level", "import_region_level_invalid", level=level)
            return
        if level != "province" and not parent_code:
            self.add(row, "parent_code", "import_cell_required")
        parent = self._region(row, "parent_code", parent_code)
        if parent is not None and parent_code is not None:
            plevel = parent.get("level", "")
            if plevel not in DEPTH or DEPTH[plevel] >= DEPTH[level]:
                self.add(row, "parent_code", "import_region_parent_level", code=parent_code, level=plevel)
            elif code[:SIGNIFICANT[plevel]] != parent_code[:SIGNIFICANT[plevel]]:
                self.add(row, "parent_code", "import_region_parent_mismatch", code=code, parent=parent_code)

    def _unit_kinds(self, row: Row) -> None:
        if row.values["level"] not in LEVELS:
            self.add(row, "level", "import_region_level_invalid", level=row.values["level"])

    def _units(self, row: Row) -> None:
        v = row.values
        kind = self.world.unit_kinds.get(v["kind"])
        if kind is None:
            self.add(row, "kind", "import_unit_kind_unknown", kind=v["kind"])
        if not v.get("region_code"):
            self.add(row, "region_code", "import_unit_no_jurisdiction", code=v["code"])
        else:
            region = self._region(row, "region_code", v["region_code"])
            if region is not None and kind is not None and region.get("level") != kind.get("level"):
                self.add(row, "region_code", "import_unit_level_mismatch", kind=v["kind"], level=kind.get("level"),
                         region_level=region.get("level"))
        if v.get("parent_code") and v["parent_code"] not in self.world.units:
            self.add(row, "parent_code", "import_unit_parent_unknown", code=v["parent_code"])
        if v.get("webhook_url") and not self.v.webhook_url(v["webhook_url"]):
            self.add(row, "webhook_url", "import_webhook_url_invalid")

    def _categories(self, row: Row) -> None:
        v = row.values
        if not re.fullmatch(r"[a-z0-9_]+(\.[a-z0-9_]+)*", v["code"]):
            self.add(row, "code", "import_category_code_invalid", code=v["code"])
        if v.get("parent_code") and v["parent_code"] not in self.world.categories:
            self.add(row, "parent_code", "import_category_unknown", code=v["parent_code"])
        if v.get("national_code") and not NATIONAL_CODE.fullmatch(v["national_code"]):
            self.add(row, "national_code", "import_national_code_invalid", code=v["national_code"])

    def _routing_rules(self, row: Row) -> None:
        v = row.values
        if v["category_code"] not in self.world.categories:
            self.add(row, "category_code", "import_category_unknown", code=v["category_code"])
        self._region(row, "region_code", v.get("region_code"))
        if v.get("work_order_type") and v["work_order_type"] not in self.v.work_order_types:
            self.add(row, "work_order_type", "import_work_order_type_unknown", value=v["work_order_type"],
                     allowed="、".join(self.v.work_order_types))
        if v.get("handling_class") not in self.v.handling_classes:
            self.add(row, "handling_class", "import_handling_class_unknown", value=v.get("handling_class"),
                     allowed="、".join(self.v.handling_classes))
        for column, kinds in (("lead_kind", [v["lead_kind"]]), ("co_kinds", v.get("co_kinds") or [])):
            for kind in kinds:
                if kind not in self.world.unit_kinds:
                    self.add(row, column, "import_unit_kind_unknown", kind=kind)

    def _deadline_profiles(self, row: Row) -> None:
        problem = self.v.profile(row.values["code"], row.values["spec"])
        if problem:
            self.add(row, "spec", "import_profile_invalid", reason=problem)

    def _profile_assignments(self, row: Row) -> None:
        self._region(row, "region_code", row.values["region_code"])
        code = row.values.get("profile_code")
        if code and code not in self.world.deadline_profiles:
            self.add(row, "profile_code", "import_profile_unknown", code=code)

    def _places(self, row: Row) -> None:
        v = row.values
        if v["kind"] not in PLACE_KINDS:
            self.add(row, "kind", "import_place_kind_unknown", kind=v["kind"])
        self._region(row, "community_code", v["community_code"], community=True)
        numbers = [v.get(k) for k in ("road", "number_from", "number_to", "parity")]
        if v["kind"] == "road_segment":
            if any(n in (None, "") for n in numbers):
                self.add(row, "road", "import_segment_fields_missing")
            else:
                lo, hi, parity = v["number_from"], v["number_to"], v["parity"]
                if parity not in PARITIES:
                    self.add(row, "parity", "import_parity_invalid", value=parity)
                elif not 0 < lo <= hi:
                    self.add(row, "number_to", "import_segment_range_invalid", lo=lo, hi=hi)
                elif parity != "all" and (lo % 2 != hi % 2 or (lo % 2 == 1) != (parity == "odd")):
                    self.add(row, "parity", "import_segment_parity_mismatch", lo=lo, hi=hi, parity=parity)
        elif any(n not in (None, "") for n in numbers):
            self.add(row, "road", "import_segment_fields_on_place", kind=v["kind"])
        lat, lng = v.get("latitude"), v.get("longitude")
        if (lat is None) != (lng is None):
            self.add(row, "latitude", "import_coordinates_pair")
        elif lat is not None and lng is not None:
            box = self._box_for(v["community_code"])
            if not box.contains(lat, lng):
                code = "import_coordinates_swapped" if box.contains(lng, lat) else "import_coordinates_outside_box"
                self.add(row, "latitude", code, latitude=lat, longitude=lng)

    def _box_for(self, community: str) -> Box:
        from app.regions.boundaries import CHINA_BOX

        return self.box if community.startswith(self.city_prefix) else Box(*CHINA_BOX)

    def _knowledge_articles(self, row: Row) -> None:
        v = row.values
        if v["category_code"] not in self.world.categories:
            self.add(row, "category_code", "import_category_unknown", code=v["category_code"])
            return
        problem = self.v.article(v)
        if problem:
            self.add(row, None, "import_row_invalid", reason=problem)

    def _service_items(self, row: Row) -> None:
        v = row.values
        if v["category_code"] not in self.world.categories:
            self.add(row, "category_code", "import_category_unknown", code=v["category_code"])
        if v["handling_unit_kind"] not in self.world.unit_kinds:
            self.add(row, "handling_unit_kind", "import_unit_kind_unknown", kind=v["handling_unit_kind"])
        for event in v.get("life_events") or []:
            if event not in self.world.life_events:
                self.add(row, "life_events", "import_life_event_unknown", code=event)
        if v.get("status") not in self.v.item_statuses:
            self.add(row, "status", "import_item_status_unknown", value=v.get("status"))
        problem = self.v.service_item(v)
        if problem:
            self.add(row, None, "import_row_invalid", reason=problem)

    # --- across rows --------------------------------------------------------------------------------------------

    def _tree(self, rows: list[Row], stored: Mapping[str, Mapping[str, Any]], code: str) -> None:
        """Each row's chain of parents, through the stored rows, reports `code` where it comes back to itself."""
        for row in rows:
            seen, step = [row.values["code"]], row.values.get("parent_code")
            while step:
                if step in seen:
                    self.add(row, "parent_code", code, path=" → ".join([*seen, step]))
                    break
                seen.append(step)
                step = (stored.get(step) or {}).get("parent_code")

    def _names(self, by_sheet: Mapping[str, list[Row]]) -> None:
        """A name used by two rows where names must tell rows apart: units of one district (two districts may
        each have a 南园社区工作站); regions and categories under one parent; unit kinds."""
        groups = {"units": lambda v: ((v.get("region_code") or "")[:6], v["name"]),
                  "regions": lambda v: (v.get("parent_code"), v["name"]),
                  "categories": lambda v: (v.get("parent_code"), v["name"]), "unit_kinds": lambda v: (v["name"],)}
        for sheet, key_of in groups.items():
            if not by_sheet.get(sheet):
                continue
            owners: dict[tuple[Any, ...], set[Any]] = defaultdict(set)
            for key, values in self.world.table(sheet).items():
                if values.get("active", True):
                    owners[key_of(values)].add(key)
            for row in by_sheet[sheet]:
                if not row.values.get("active", True):
                    continue
                others = owners[key_of(row.values)] - {row.key[0]}
                if others:
                    self.add(row, "name", "import_duplicate_name", name=row.values["name"],
                             other=", ".join(sorted(map(str, others))))

    def _places_spread(self, rows: list[Row]) -> None:
        if not rows:
            return
        named: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        roads: dict[tuple[str, str], list[dict[str, Any]]] = defaultdict(list)
        for values in self.world.places.values():
            if not values.get("active", True):
                continue
            if values["kind"] == "road_segment":
                if values.get("road") and values.get("parity") in PARITIES:
                    roads[(values["road"], values["parity"])].append(values)
            else:
                named[(values["kind"], values["name"])].append(values)
        for row in rows:
            v = row.values
            if not v.get("active", True):
                continue
            if v["kind"] in ("compound", "landmark"):
                others = [o for o in named[(v["kind"], v["name"])] if o["community_code"] != v["community_code"]]
                if others and not all(_declared(o.get("note")) for o in [v, *others]):
                    self.add(row, "community_code", "import_place_in_two_communities", name=v["name"],
                             other=", ".join(sorted({o["community_code"] for o in others})))
            elif v["kind"] == "road_segment" and v.get("parity") in PARITIES and v.get("number_from") is not None:
                for parity in {v["parity"], "all"} if v["parity"] != "all" else set(PARITIES):
                    for o in roads[(v.get("road"), parity)]:
                        if o["community_code"] == v["community_code"] or o is v:
                            continue
                        if o["number_from"] <= v["number_to"] and v["number_from"] <= o["number_to"] and not (
                                "ambiguous" in _tags(v.get("note")) and "ambiguous" in _tags(o.get("note"))):
                            self.add(row, "number_from", "import_segments_overlap", road=v["road"],
                                     other=f"{o['number_from']}-{o['number_to']} {o['community_code']}")

    def _rule_units(self, rows: list[Row]) -> None:
        """A rule's kinds must have a unit a case could reach: in the rule's region, above it, or (for a rule of
        every region) anywhere."""
        if not rows:
            return
        places: dict[str, set[str]] = defaultdict(set)  # kind -> regions with an active unit of it
        for unit in self.world.units.values():
            if unit.get("active", True) and unit.get("region_code"):
                places[unit["kind"]].add(unit["region_code"])
        for row in rows:
            v = row.values
            if not v.get("active", True):
                continue
            region = v.get("region_code")
            for column, kinds in (("lead_kind", [v["lead_kind"]]), ("co_kinds", v.get("co_kinds") or [])):
                for kind in kinds:
                    if kind not in self.world.unit_kinds:
                        continue
                    found = places.get(kind, set())
                    if region:
                        found = {r for r in found if r.startswith(_prefix(region, self.world))
                                 or region.startswith(_prefix(r, self.world))}
                    if not found:
                        self.add(row, column, "import_rule_kind_has_no_unit", kind=kind, region=region or "")


def _prefix(code: str, world: World) -> str:
    level = (world.regions.get(code) or {}).get("level", "community")
    return code[:SIGNIFICANT.get(level, 12)]


def _tags(note: str | None) -> tuple[str, ...]:
    from app.regions.gazetteer import place_tags

    return place_tags(note)


def _declared(note: str | None) -> bool:
    return any(t in DECLARED_SPREAD for t in _tags(note))
