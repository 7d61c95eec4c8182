"""The tables a city's reference data is exchanged in: their columns, how a cell is read, and how a value is
written back. Pure. One table per kind of data; a CSV file holds one table (named by its file name, or found by
its header), a workbook one table per sheet (named by the sheet).

Cells hold text. Lists of short names (aliases, keywords, co-handling kinds, life events) are `|`-separated;
lists of sentences and structured values (a deadline profile's spec, a service item's materials, conditions,
steps, fees, legal basis) are JSON in one cell, so that an administrator edits the profile in the same sheet as
everything else and the file round-trips exactly. Booleans are written `1`/`0` (places write `yes`/`no`, as the
seed files do) and read in any of 1/0, yes/no, true/false, 是/否.
"""

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

TRUE = ("1", "yes", "true", "y", "是", "t")
FALSE = ("0", "no", "false", "n", "否", "f")


@dataclass(frozen=True)
class Column:
    name: str
    kind: str = "text"  # text | int | float | bool | list | json | date
    required: bool = False  # a value is needed in every row
    optional: bool = False  # the column itself may be left out of the file
    max_length: int | None = None
    bool_words: tuple[str, str] = ("1", "0")
    default: Any = None


@dataclass(frozen=True)
class Sheet:
    name: str
    title: str  # what it holds, in Chinese (reports and the README)
    columns: tuple[Column, ...]
    key: tuple[str, ...]

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)


class CellError(ValueError):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


def C(name: str, kind: str = "text", **kw: Any) -> Column:  # noqa: N802 (a table of columns reads better short)
    return Column(name, kind, **kw)


SHEETS: tuple[Sheet, ...] = (
    Sheet("regions", "行政区划", (
        C("code", required=True, max_length=12), C("name", required=True, max_length=64),
        C("level", required=True), C("parent_code", max_length=12), C("statistical", "bool", default=False),
        C("aliases", "list"), C("name_en", max_length=128, optional=True)), key=("code",)),
    Sheet("unit_kinds", "单位类型", (
        C("code", required=True, max_length=48), C("name", required=True, max_length=64),
        C("name_en", required=True, max_length=128), C("level", required=True)), key=("code",)),
    Sheet("units", "责任单位", (
        C("code", required=True, max_length=80), C("name", required=True, max_length=128),
        C("kind", required=True, max_length=48), C("region_code", max_length=12), C("parent_code", max_length=80),
        C("phone", max_length=32), C("address", max_length=200), C("webhook_url", max_length=500),
        C("webhook_active", "bool", default=True, optional=True), C("active", "bool", default=True, optional=True)),
        key=("code",)),
    Sheet("categories", "诉求分类", (
        C("code", required=True, max_length=64), C("name", required=True, max_length=64),
        C("name_en", required=True, max_length=128), C("parent_code", max_length=64),
        C("description", max_length=300), C("sort", "int", default=0, optional=True),
        C("active", "bool", default=True, optional=True), C("national_code", max_length=32, optional=True)),
        key=("code",)),
    Sheet("routing_rules", "派单目录", (
        C("category_code", required=True, max_length=64), C("region_code", max_length=12),
        C("work_order_type", max_length=16), C("lead_kind", required=True, max_length=48),
        C("co_kinds", "list"), C("handling_class", default="standard", optional=True),
        C("priority", "int", default=100, optional=True), C("active", "bool", default=True, optional=True),
        C("note", max_length=300)), key=("category_code", "region_code", "work_order_type", "priority")),
    Sheet("deadline_profiles", "办理时限方案", (
        C("code", required=True, max_length=48), C("name", required=True, max_length=128),
        C("source", max_length=300), C("spec", "json", required=True)), key=("code",)),
    Sheet("profile_assignments", "时限方案适用区划", (
        C("region_code", required=True, max_length=12), C("profile_code", max_length=48)), key=("region_code",)),
    Sheet("places", "地名（小区、地标、门牌号段）", (
        C("kind", required=True), C("name", required=True, max_length=80), C("aliases", "list"),
        C("community_code", required=True, max_length=12), C("road", max_length=40), C("number_from", "int"),
        C("number_to", "int"), C("parity"), C("latitude", "float"), C("longitude", "float"), C("source", required=True),
        C("verified", "bool", bool_words=("yes", "no"), default=False), C("note"),
        C("active", "bool", default=True, optional=True)), key=("kind", "name", "community_code")),
    Sheet("knowledge_articles", "知识库", (
        C("code", required=True, max_length=64), C("category_code", required=True, max_length=64),
        C("question", required=True, max_length=300), C("answer", required=True, max_length=4000),
        C("keywords", "list"), C("policy_title", max_length=200), C("document_number", max_length=100),
        C("valid_from", "date", required=True), C("valid_to", "date"), C("note", max_length=1000),
        C("active", "bool", default=True, optional=True)), key=("code",)),
    Sheet("service_items", "办事指南", (
        C("code", required=True, max_length=48), C("name", required=True, max_length=100),
        C("name_en", required=True, max_length=160), C("type", required=True), C("category_code", required=True),
        C("department", required=True), C("handling_unit_kind", required=True), C("applicants", required=True),
        C("conditions", "json", default=[]), C("materials", "json", required=True), C("steps", "json", default=[]),
        C("statutory_days", "int"), C("promised_days", "int", required=True), C("fees", "json", default={}),
        C("online", "bool", default=False), C("visits", "int", default=1),
        C("proxy_allowed", "bool", default=True), C("legal_basis", "json", default=[]),
        C("life_events", "list"), C("keywords", "list"), C("status", default="active", optional=True)),
        key=("code",)),
)
BY_NAME: dict[str, Sheet] = {s.name: s for s in SHEETS}
# The order rows are checked and written in: what a row names is written before it.
ORDER = tuple(s.name for s in SHEETS) + ("boundaries",)


def sheet_for(name: str | None, header: Sequence[str]) -> Sheet | None:
    """The table a file or sheet holds: named by it (`units.csv`, sheet `units`, `places_shanghai.csv`), or else
    the one whose required columns its header has, without columns it does not know."""
    if name:
        stem = name.lower()
        if stem in BY_NAME:
            return BY_NAME[stem]
        for sheet in SHEETS:
            if stem.startswith(sheet.name + "_") or stem.startswith(sheet.name + "-"):
                return sheet
    present = set(header)
    fits = [s for s in SHEETS if present <= set(s.names)
            and all(c.name in present for c in s.columns if not c.optional)]
    return fits[0] if len(fits) == 1 else None


def closest(header: Sequence[str]) -> Sheet:
    """The table a header most looks like, to name what is missing and what is unknown."""
    present = set(header)
    return max(SHEETS, key=lambda s: (len(present & set(s.names)) - len(present - set(s.names)), -len(s.names)))


def header_problems(sheet: Sheet, header: Sequence[str]) -> tuple[list[str], list[str], list[str]]:
    """(missing columns, unknown columns, repeated columns)."""
    seen: set[str] = set()
    repeated = sorted({h for h in header if h in seen or seen.add(h)})  # type: ignore[func-returns-value]
    missing = [c.name for c in sheet.columns if not c.optional and c.name not in header]
    unknown = [h for h in header if h not in sheet.names]
    return missing, unknown, repeated


def _text(raw: Any) -> str:
    if raw is None:
        return ""
    if isinstance(raw, bool):
        return "1" if raw else "0"
    if isinstance(raw, float) and raw.is_integer():
        return str(int(raw))
    if isinstance(raw, datetime):
        return raw.date().isoformat() if raw.time() == datetime.min.time() else raw.isoformat()
    if isinstance(raw, date):
        return raw.isoformat()
    return str(raw).strip()


def read_cell(column: Column, raw: Any) -> Any:
    """A cell as its value; an empty cell is the column's default. Raises CellError."""
    text = _text(raw)
    if text == "":
        if column.required:
            raise CellError("import_cell_required")
        if column.kind == "list":
            return list(column.default or [])
        return list(column.default) if isinstance(column.default, list) else (
            dict(column.default) if isinstance(column.default, dict) else column.default)
    if column.max_length is not None and len(text) > column.max_length and column.kind == "text":
        raise CellError("import_cell_too_long", max=column.max_length)
    if column.kind == "text":
        return text
    if column.kind == "int":
        try:
            return int(text)
        except ValueError:
            raise CellError("import_cell_not_integer", value=text[:40]) from None
    if column.kind == "float":
        try:
            return float(text)
        except ValueError:
            raise CellError("import_cell_not_number", value=text[:40]) from None
    if column.kind == "bool":
        if text.lower() in TRUE:
            return True
        if text.lower() in FALSE:
            return False
        raise CellError("import_cell_not_boolean", value=text[:40])
    if column.kind == "list":
        return [part.strip() for part in text.split("|") if part.strip()]
    if column.kind == "json":
        try:
            return json.loads(text)
        except ValueError as exc:
            raise CellError("import_cell_not_json", reason=str(exc)[:80]) from None
    if column.kind == "date":
        try:
            return date.fromisoformat(text[:10])
        except ValueError:
            raise CellError("import_cell_not_date", value=text[:40]) from None
    raise AssertionError(column.kind)


def write_cell(column: Column, value: Any) -> str:
    """A value as the text of its cell, the same way every time (exports round-trip byte for byte)."""
    if value is None:
        return ""
    if column.kind == "bool":
        return column.bool_words[0] if value else column.bool_words[1]
    if column.kind == "list":
        return "|".join(str(v) for v in value)
    if column.kind == "json":
        return json.dumps(value, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    if column.kind == "float":
        return repr(float(value))
    if column.kind == "date":
        return value.isoformat()
    return str(value)


def write_row(sheet: Sheet, values: Mapping[str, Any]) -> list[str]:
    return [write_cell(c, values.get(c.name)) for c in sheet.columns]
