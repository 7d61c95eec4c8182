"""Reading an import's files: every file's tables as rows of values, the GeoJSON boundaries as features; a file or
cell that cannot be read is a problem, never an exception."""

import hashlib
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from app.imports import formats
from app.imports.checks import Problem, Row
from app.imports.sheets import CellError, Sheet, closest, header_problems, read_cell, sheet_for


@dataclass
class Batch:
    rows: list[Row] = field(default_factory=list)
    features: list[tuple[str, int, str, dict[str, Any], dict[str, Any]]] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def read_files(files: Sequence[tuple[str, bytes]], entries: list[dict[str, Any]],
               problems: list[Problem]) -> Iterator[tuple[str, dict[str, Any], list[Any]]]:
    """(name, entry, tables) for each file that can be read. Every file gets its entry in `entries` (name,
    sha256, and the tables the caller adds); one that cannot be read is a problem in `problems` instead."""
    for filename, data in files:
        entry: dict[str, Any] = {"file": filename, "sha256": hashlib.sha256(data).hexdigest(), "tables": []}
        entries.append(entry)
        try:
            tables = formats.read(filename, data)
        except formats.FileProblem as exc:
            problems.append(Problem(filename, "", None, None, exc.code, exc.params))
            continue
        yield filename, entry, tables


def parse(files: Sequence[tuple[str, bytes]]) -> Batch:
    """Every file's tables as rows of values; a file or cell that cannot be read is a problem, never an
    exception."""
    batch = Batch()
    for filename, entry, tables in read_files(files, batch.files, batch.problems):
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
