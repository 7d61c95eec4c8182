"""A month's figures as the form units hand in: CSV, and an Excel workbook (openpyxl) with a definitions sheet.

One row per unit: its code, name, kind and region, the counts, and for every rate its numerator, denominator and
value, side by side so a reader can check each division. The workbook adds the region's own figures (every case
placed there, whoever handled it) under the units, and a sheet with each rate's definition.
"""

import csv
import io
from typing import Any

from app.metrics.rates import COMMON, DEFINITIONS, UNIT_RATES, Rate
from app.metrics.service import Form, FormRow

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
COUNT_COLUMNS = (("taken", "受理量"), ("merged", "并单（重复件）"), ("dispatched", "派单量"), ("returned", "退单量"),
                 ("replied", "答复量"), ("cb_valid", "有效回访"))
UNIT_COLUMNS = (("unit_code", "单位编码"), ("unit_name", "单位名称"), ("unit_kind", "单位类型"),
                ("region_code", "所在区划"))


def _rate_columns(names: tuple[str, ...]) -> list[tuple[str, str]]:
    out = []
    for name in names:
        zh = DEFINITIONS[name].zh
        out += [(f"{name}_numerator", f"{zh}·分子"), (f"{name}_denominator", f"{zh}·分母"), (name, zh)]
    return out


def columns() -> list[tuple[str, str]]:
    return [*UNIT_COLUMNS, *COUNT_COLUMNS, *_rate_columns(UNIT_RATES)]


def _values(row: FormRow, names: tuple[str, ...]) -> list[Any]:
    unit = row.unit
    head: list[Any] = [unit.code, unit.name, unit.kind, unit.region_code] if unit else ["", "", "", ""]
    counts = [row.counts.get(key, 0) for key, _ in COUNT_COLUMNS]
    rates: list[Any] = []
    for name in names:
        r: Rate | None = row.rates.get(name)
        rates += [r.numerator, r.denominator, r.value] if r else ["", "", ""]
    return head + counts + rates


def to_csv(form: Form) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow([key for key, _ in columns()])
    for row in form.rows:
        writer.writerow(["" if v is None else v for v in _values(row, UNIT_RATES)])
    return "\ufeff" + out.getvalue()  # a byte-order mark so spreadsheet programs read the Chinese as UTF-8


def to_xlsx(form: Form) -> bytes:
    """The workbook, written in openpyxl's streaming (write-only) mode: a city's units in well under a second."""
    # Imported here: openpyxl costs about 19 MB in every serving process, and few requests ask for a workbook.
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter

    book = Workbook(write_only=True)
    sheet = book.create_sheet("figures")
    place = form.region.name if form.region else "全部区域"
    for index, (key, _) in enumerate(columns(), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = 28 if key == "unit_name" else 12
    sheet.freeze_panes = "C4"
    sheet.append([f"{place} 工单办理绩效 {form.period.label}（{form.period.first_day} 至 {form.period.last_day}，"
                  f"截止日统计至 {form.period.deadlines_through or '—'}）"])
    sheet.append([_styled(sheet, zh, bold=True) for _, zh in columns()])
    sheet.append([key for key, _ in columns()])
    for row in form.rows:
        sheet.append(_values(row, UNIT_RATES))
    total = _values(form.total, UNIT_RATES)
    total[1] = f"{place}合计（辖区全部案件，非各单位之和）"
    sheet.append([_styled(sheet, value, italic=True) for value in total])
    _definitions(book)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def _styled(sheet: Any, value: Any, *, bold: bool = False, italic: bool = False, wrap: bool = False) -> Any:
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Alignment, Font

    cell = WriteOnlyCell(sheet, value=value)
    if bold or italic:
        cell.font = Font(bold=bold, italic=italic)
    if wrap:
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    return cell


def _definitions(book: Any) -> None:
    sheet = book.create_sheet("definitions")
    for column, width in {"A": 18, "B": 14, "C": 60, "D": 40, "E": 18, "F": 30, "G": 22}.items():
        sheet.column_dimensions[column].width = width
    sheet.append([_styled(sheet, v, bold=True) for v in ("key", "指标", "分母（denominator）", "分子（numerator）",
                                                         "归属时段（period）", "计入（credit）", "方向")])
    for d in DEFINITIONS.values():
        values = [d.name, d.zh, d.denominator, d.numerator, d.period, d.credit,
                  "越高越好 higher is better" if d.higher_is_better else "越低越好 lower is better"]
        sheet.append([_styled(sheet, v, wrap=True) for v in values])
    sheet.append([])
    sheet.append(["", "说明", _styled(sheet, COMMON, wrap=True)])
