"""Files in and out: CSV (UTF-8, or GBK/GB18030 as Excel on a Chinese Windows saves it), Excel workbooks
(openpyxl) and GeoJSON. Pure: bytes in, tables out, and back.

Reading never guesses silently. A CSV is decoded as UTF-8 (a BOM allowed), else as GB18030 (a superset of GBK
and GB2312); a file whose lines mix the two is refused with the lines named, since either reading garbles half
of it. Exports are byte-for-byte reproducible: CSV in UTF-8 with a BOM (Excel opens it as Unicode), CRLF line
ends; workbooks with every cell as text (a 12-digit code stays a code, not 4.40304E+11) and fixed timestamps.
"""

import csv
import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import PurePath
from typing import Any

MAX_BYTES = 20 * 1024 * 1024
# Workbooks and their zip entries carry this instant, so that the same data exports to the same bytes.
FIXED_TIME = datetime(2000, 1, 1)


class FileProblem(ValueError):
    def __init__(self, code: str, **params: Any):
        super().__init__(code)
        self.code = code
        self.params = params


@dataclass
class Table:
    """One table from a file: a CSV file, or one sheet of a workbook. Rows keep their line number (the header is
    line 1, as a spreadsheet shows it)."""

    file: str
    name: str | None  # the sheet's name, or the CSV file's stem
    header: list[str]
    rows: list[tuple[int, list[Any]]] = field(default_factory=list)


@dataclass
class GeoFile:
    file: str
    data: Any


def detect(filename: str, data: bytes) -> str:
    """csv | xlsx | geojson, by content first (a workbook is a zip; GeoJSON is a JSON object), then by name."""
    suffix = PurePath(filename).suffix.lower()
    if data[:4] == b"PK\x03\x04":
        if suffix not in ("", ".xlsx", ".xlsm"):
            raise FileProblem("import_format_unknown", name=filename)
        return "xlsx"
    if data[:8] == b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1":
        raise FileProblem("import_format_xls", name=filename)  # the old binary .xls: save as .xlsx
    if suffix in (".geojson", ".json"):
        return "geojson"
    if suffix in (".csv", ".txt"):
        return "csv"
    raise FileProblem("import_format_unknown", name=filename)


def decode(data: bytes) -> str:
    """UTF-8 (a BOM allowed) else GB18030; a file mixing the two is refused, naming lines of each."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise FileProblem("import_encoding_utf16")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        pass
    utf8_lines, other_lines = [], []
    for number, line in enumerate(data.split(b"\n"), start=1):
        if line.isascii():
            continue
        try:
            line.decode("utf-8")
            utf8_lines.append(number)
        except UnicodeDecodeError:
            other_lines.append(number)
    if utf8_lines:
        raise FileProblem("import_encoding_mixed", utf8=_lines(utf8_lines), gbk=_lines(other_lines))
    try:
        return data.decode("gb18030")
    except UnicodeDecodeError:
        raise FileProblem("import_encoding_unknown") from None


def _lines(numbers: list[int]) -> str:
    shown = ", ".join(str(n) for n in numbers[:5])
    return shown + ("…" if len(numbers) > 5 else "")


def read(filename: str, data: bytes) -> list[Table | GeoFile]:
    if not data:
        raise FileProblem("import_file_empty", name=filename)
    if len(data) > MAX_BYTES:
        raise FileProblem("import_file_too_large", name=filename, max_mb=MAX_BYTES // (1024 * 1024))
    kind = detect(filename, data)
    if kind == "csv":
        return [read_csv(filename, data)]
    if kind == "xlsx":
        return list(read_xlsx(filename, data))
    try:
        return [GeoFile(filename, json.loads(decode(data)))]
    except ValueError as exc:
        if isinstance(exc, FileProblem):
            raise
        raise FileProblem("import_geojson_invalid", name=filename, reason=str(exc)[:80]) from None


def read_csv(filename: str, data: bytes) -> Table:
    text = decode(data)
    reader = csv.reader(io.StringIO(text, newline=""))
    rows = [row for row in reader]
    if not rows or not any(cell.strip() for cell in rows[0]):
        raise FileProblem("import_file_empty", name=filename)
    header = [h.strip() for h in rows[0]]
    table = Table(filename, PurePath(filename).stem, header)
    for number, row in enumerate(rows[1:], start=2):
        if any(cell.strip() for cell in row):
            table.rows.append((number, row))
    return table


def read_xlsx(filename: str, data: bytes) -> list[Table]:
    # Imported here, as in write_xlsx: openpyxl costs about 19 MB in every serving process.
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, ValueError, OSError):
        raise FileProblem("import_xlsx_invalid", name=filename) from None
    tables = []
    try:
        for sheet in book.worksheets:
            rows = list(sheet.iter_rows(values_only=True))
            if not rows or not any(v not in (None, "") for v in rows[0]):
                continue
            header = ["" if v is None else str(v).strip() for v in rows[0]]
            while header and header[-1] == "":
                header.pop()
            table = Table(filename, sheet.title, header)
            for number, row in enumerate(rows[1:], start=2):
                cells = list(row[:len(header)])
                if any(v not in (None, "") for v in cells):
                    table.rows.append((number, cells))
            tables.append(table)
    finally:
        book.close()
    if not tables:
        raise FileProblem("import_file_empty", name=filename)
    return tables


def write_csv(header: Sequence[str], rows: Sequence[Sequence[str]]) -> bytes:
    out = io.StringIO(newline="")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8-sig")


def write_xlsx(tables: Sequence[tuple[str, Sequence[str], Sequence[Sequence[str]]]]) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    for name, header, rows in tables:
        sheet = book.create_sheet(title=name[:31])
        sheet.append(list(header))
        for row in rows:
            sheet.append(list(row))
        for column in sheet.iter_cols():
            for cell in column:
                cell.number_format = "@"  # text: codes and numbers are kept as written
                if cell.data_type == "f":
                    cell.data_type = "s"  # text that looks like a formula (=…) stays text, never runs
        sheet.freeze_panes = "A2"
    book.properties.created = FIXED_TIME
    book.properties.modified = FIXED_TIME
    book.properties.creator = "community-service-centre"
    buffer = io.BytesIO()
    book.save(buffer)
    return _fixed_zip(buffer.getvalue())


def _fixed_zip(data: bytes) -> bytes:
    """The same workbook with every entry, and its `modified` property, dated FIXED_TIME."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=FIXED_TIME.timetuple()[:6])
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = info.external_attr
            body = source.read(info.filename)
            if info.filename == "docProps/core.xml":  # openpyxl stamps `modified` with the time of saving
                body = re.sub(rb"(<dcterms:modified[^>]*>)[^<]*(</dcterms:modified>)",
                              rb"\g<1>" + FIXED_TIME.strftime("%Y-%m-%dT%H:%M:%SZ").encode() + rb"\g<2>", body)
            target.writestr(fixed, body)
    return out.getvalue()


def write_geojson(features: list[dict[str, Any]]) -> bytes:
    body = {"type": "FeatureCollection", "features": features}
    return (json.dumps(body, ensure_ascii=False, sort_keys=True, indent=1) + "\n").encode("utf-8")
