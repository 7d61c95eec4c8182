"""A city's labelled history for the classifier: CSV or Excel rows of (text, category), read by the import's own
file machinery (formats: UTF-8 or GBK CSV, .xlsx), checked row by row, and written in the request's one
transaction, or, on a dry run or with any problem, only reported. Never commits.

Columns: `text` (诉求内容) and `category` (分类编码), the case's final category: a leaf category of the catalogue
in force. A text is stored once (by its SHA-256); importing it again with another category updates it, and the
latest file wins. Nothing trains here: an administrator queues a version (`POST /admin/classifier/models`) and
the worker trains it on the history, the seed and the agents' corrections.
"""

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.imports import formats, repository
from app.imports.checks import Problem
from app.imports.reading import read_files
from app.imports.service import Outcome
from app.models import ClassifierExample

SHEET = "classifier_history"
COLUMNS = {"text": ("text", "诉求内容"), "category": ("category", "分类编码")}


def sha(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass
class Parsed:
    rows: list[tuple[str, int, str, str]] = field(default_factory=list)  # file, line, text, category
    problems: list[Problem] = field(default_factory=list)
    files: list[dict[str, Any]] = field(default_factory=list)


def _columns(table: formats.Table) -> tuple[dict[str, int], list[Problem]]:
    where: dict[str, int] = {}
    unknown = []
    for i, name in enumerate(table.header):
        key = next((k for k, names in COLUMNS.items() if name.strip().lower() in names), None)
        if key is None or key in where:
            unknown.append(name or f"#{i + 1}")
        else:
            where[key] = i
    problems = []
    missing = [k for k in COLUMNS if k not in where]
    if missing:
        problems.append(Problem(table.file, SHEET, 1, None, "import_columns_missing",
                                {"sheet": SHEET, "columns": ", ".join(missing)}))
    if unknown:
        problems.append(Problem(table.file, SHEET, 1, None, "import_columns_unknown",
                                {"sheet": SHEET, "columns": ", ".join(unknown)}))
    return where, problems


def _cell(row: list[Any], index: int) -> str:
    value = row[index] if index < len(row) else None
    return "" if value is None else str(value).strip()


def parse(files: Sequence[tuple[str, bytes]]) -> Parsed:
    out = Parsed()
    for name, entry, tables in read_files(files, out.files, out.problems):
        for table in tables:
            if not isinstance(table, formats.Table):
                out.problems.append(Problem(name, "", None, None, "import_format_unknown", {"name": name}))
                continue
            entry["tables"].append({"sheet": SHEET, "rows": len(table.rows)})
            where, problems = _columns(table)
            out.problems += problems
            if problems:
                continue
            for line, row in table.rows:
                out.rows.append((name, line, _cell(row, where["text"]), _cell(row, where["category"])))
    return out


def check(parsed: Parsed, leaves: set[str]) -> list[Problem]:
    """Every row's problems: no text, no category, a category that is not a leaf of the catalogue, the same text
    with two categories in the batch."""
    problems = list(parsed.problems)
    seen: dict[str, tuple[str, int, str]] = {}
    for file, line, text, category in parsed.rows:
        if not text:
            problems.append(Problem(file, SHEET, line, "text", "history_text_missing"))
        if not category:
            problems.append(Problem(file, SHEET, line, "category", "history_category_missing"))
        elif category not in leaves:
            problems.append(Problem(file, SHEET, line, "category", "history_category_unknown", {"code": category}))
        if not text:
            continue
        first = seen.setdefault(text, (file, line, category))
        if first[2] != category and category:
            problems.append(Problem(file, SHEET, line, "category", "history_text_conflict",
                                    {"line": first[1], "first": first[2], "code": category}))
    return problems


async def run(session: AsyncSession, files: Sequence[tuple[str, bytes]], *, dry_run: bool, now: datetime,
              actor: int | None) -> Outcome:
    """Reads, checks and (unless a dry run, or a problem was found) writes; the caller's transaction commits."""
    if not files:
        return Outcome(dry_run, [Problem("", "", None, None, "import_no_files", {})], [], {})
    parsed = parse(files)
    problems = check(parsed, await repository.leaf_categories(session))
    latest = {sha(text): (file, text, category) for file, _, text, category in parsed.rows}
    stored = await repository.history_by_hash(session, list(latest))
    changes = {"inserted": 0, "updated": 0, "unchanged": 0}
    for digest, (_, _, category) in latest.items():
        row = stored.get(digest)
        changes["unchanged" if row is not None and row.category == category else
                "inserted" if row is None else "updated"] += 1
    if problems or dry_run:
        return Outcome(dry_run, sorted(problems, key=lambda p: (p.file, p.line or 0)), parsed.files,
                       {SHEET: changes})
    for digest, (file, text, category) in latest.items():
        row = stored.get(digest)
        if row is None:
            repository.add(session, ClassifierExample(text=text, text_sha256=digest, category=category,
                                                      source_file=file[:200], imported_at=now, by_user_id=actor))
        elif row.category != category:
            row.category, row.source_file, row.imported_at, row.by_user_id = category, file[:200], now, actor
    await repository.flush(session)
    audit.record(session, at=now, action="classifier.history_import", actor_user_id=actor,
                 target_type="classifier_examples", detail={"files": parsed.files, "changes": changes})
    return Outcome(False, [], parsed.files, {SHEET: changes})
