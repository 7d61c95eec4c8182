"""Reading and writing the import's files, pure: encodings, formats, tables, cells, and the boundary checks."""

import io
import json

import pytest
from openpyxl import Workbook

from app.imports import formats
from app.imports.sheets import BY_NAME, CellError, read_cell, sheet_for, write_cell
from app.regions.boundaries import BoundaryIndex, Box, check_feature, overlaps, synthetic_cells

SHENZHEN = Box(22.38, 113.74, 22.87, 114.65)


def _square(lng: float, lat: float, size: float = 0.01) -> dict:
    return {"type": "Polygon", "coordinates": [[[lng, lat], [lng + size, lat], [lng + size, lat + size],
                                                [lng, lat + size], [lng, lat]]]}


def _feature(code: str, geometry: dict) -> dict:
    return {"type": "Feature", "properties": {"code": code}, "geometry": geometry}


def test_csv_in_utf8_with_or_without_bom_and_in_gbk():
    text = "code,name,name_en,level\nresidents_committee,居民委员会,Residents' committee,community\n"
    for data in (text.encode("utf-8"), text.encode("utf-8-sig"), text.encode("gbk"), text.encode("gb18030")):
        [table] = formats.read("unit_kinds.csv", data)
        assert table.header == ["code", "name", "name_en", "level"]
        assert table.rows == [(2, ["residents_committee", "居民委员会", "Residents' committee", "community"])]


def test_a_file_mixing_utf8_and_gbk_is_refused_naming_the_lines():
    data = b"code,name\n" + "a,居民委员会\n".encode() + "b,街道办事处\n".encode("gbk")
    with pytest.raises(formats.FileProblem) as err:
        formats.read("x.csv", data)
    assert err.value.code == "import_encoding_mixed" and err.value.params == {"utf8": "2", "gbk": "3"}


@pytest.mark.parametrize(("name", "data", "code"), [
    ("units.pdf", b"%PDF-1.4", "import_format_unknown"),
    ("units.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "import_format_xls"),
    ("units.csv", b"", "import_file_empty"),
    ("units.csv", "编码".encode("utf-16"), "import_encoding_utf16"),
    ("units.xlsx", b"PK\x03\x04 not really a zip", "import_xlsx_invalid"),
    ("b.geojson", b"{not json", "import_geojson_invalid"),
])
def test_unreadable_files_are_named(name, data, code):
    with pytest.raises(formats.FileProblem) as err:
        formats.read(name, data)
    assert err.value.code == code


def test_a_workbook_reads_one_table_per_sheet_with_numbers_kept_as_codes():
    book = Workbook()
    sheet = book.active
    sheet.title = "profile_assignments"
    sheet.append(["region_code", "profile_code"])
    sheet.append([440304000000, "shenzhen"])  # typed as a number by someone
    buffer = io.BytesIO()
    book.save(buffer)
    [table] = formats.read("catalogue.xlsx", buffer.getvalue())
    assert table.name == "profile_assignments" and table.rows[0][0] == 2
    assert read_cell(BY_NAME["profile_assignments"].column("region_code"), table.rows[0][1][0]) == "440304000000"


def test_workbooks_and_csv_are_written_the_same_way_every_time():
    rows = [["a", "居民委员会"], ["b", "=1+1"]]
    assert formats.write_xlsx([("units", ["code", "name"], rows)]) == formats.write_xlsx(
        [("units", ["code", "name"], rows)])
    data = formats.write_csv(["code", "name"], rows)
    assert data.startswith(b"\xef\xbb\xbf") and b"\r\n" in data
    [table] = formats.read("units.csv", data)
    assert [r for _, r in table.rows] == rows
    [back] = formats.read("units.xlsx", formats.write_xlsx([("units", ["code", "name"], rows)]))
    assert [r for _, r in back.rows] == rows  # a formula-looking text stays text


def test_tables_are_found_by_name_or_header():
    assert sheet_for("units", []).name == "units"
    assert sheet_for("places_shanghai", []).name == "places"
    header = ["kind", "name", "aliases", "community_code", "road", "number_from", "number_to", "parity", "lat",
              "lng", "source", "verified", "note"]
    assert sheet_for("shenzhen_futian_nanshan", header).name == "places"
    assert sheet_for("whatever", ["code", "name"]) is None


@pytest.mark.parametrize(("column", "raw", "value"), [
    (("places", "verified"), "yes", True), (("places", "verified"), "否", False), (("places", "verified"), "", False),
    (("places", "aliases"), "新玉田| 玉田 |", ["新玉田", "玉田"]), (("places", "aliases"), "", []),
    (("places", "number_from"), "1001", 1001), (("places", "number_from"), 1001.0, 1001),
    (("deadline_profiles", "spec"), '{"a": 1}', {"a": 1}),
    (("routing_rules", "priority"), "", 100),
])
def test_cells(column, raw, value):
    assert read_cell(BY_NAME[column[0]].column(column[1]), raw) == value


@pytest.mark.parametrize(("column", "raw", "code"), [
    (("places", "verified"), "maybe", "import_cell_not_boolean"),
    (("places", "number_from"), "一千", "import_cell_not_integer"),
    (("places", "lat"), "north", "import_cell_not_number"),
    (("deadline_profiles", "spec"), "{oops", "import_cell_not_json"),
    (("knowledge_articles", "valid_from"), "2026/13/01", "import_cell_not_date"),
    (("places", "name"), "", "import_cell_required"),
    (("regions", "name"), "名" * 65, "import_cell_too_long"),
])
def test_bad_cells(column, raw, code):
    with pytest.raises(CellError) as err:
        read_cell(BY_NAME[column[0]].column(column[1]), raw)
    assert err.value.code == code


def test_written_cells_read_back():
    for sheet in BY_NAME.values():
        for column in sheet.columns:
            for value in {"bool": [True, False], "list": [["a", "b"]], "json": [{"b": [1, 2], "a": "中"}],
                          "int": [7], "float": [22.553], "text": ["福田"]}.get(column.kind, []):
                assert read_cell(column, write_cell(column, value)) == value


def test_boundary_features_are_checked():
    ok = _feature("440304001020", _square(114.08, 22.54))
    assert check_feature(1, ok, SHENZHEN)[2] == []
    open_ring = _feature("440304001020", {"type": "Polygon", "coordinates": [[[114.08, 22.54], [114.09, 22.54],
                                                                              [114.09, 22.55], [114.08, 22.55]]]})
    swapped = _feature("440304001020", {"type": "Polygon", "coordinates": [
        [[lat, lng] for lng, lat in _square(114.08, 22.54)["coordinates"][0]]]})
    beijing = _feature("440304001020", _square(116.40, 39.90))
    bowtie = _feature("440304001020", {"type": "Polygon", "coordinates": [[[114.0, 22.5], [114.1, 22.6],
                                                                           [114.1, 22.5], [114.0, 22.6],
                                                                           [114.0, 22.5]]]})
    point = _feature("440304001020", {"type": "Point", "coordinates": [114.0, 22.5]})
    nocode = {"type": "Feature", "properties": {}, "geometry": _square(114.08, 22.54)}
    for feature, code in ((open_ring, "polygon_not_closed"), (swapped, "coordinates_swapped"),
                          (beijing, "coordinates_outside_box"), (bowtie, "polygon_invalid"),
                          (point, "geojson_not_polygon"), (nocode, "geojson_code_missing"),
                          ("nonsense", "geojson_feature_invalid")):
        _, geometry, problems = check_feature(3, feature, SHENZHEN)
        assert geometry is None and [p.code for p in problems] == [code] and problems[0].feature == 3


def test_overlaps_beyond_the_tolerance_are_found_and_touching_neighbours_are_not():
    a = _square(114.00, 22.50)
    touching = _square(114.01, 22.50)
    sliver = _square(114.0099, 22.50)  # 0.0001° ≈ 10 m × 1.1 km ≈ 11,000 m²
    assert overlaps({"a": a, "b": touching}, {"b"}, 200) == []
    [(x, y, area)] = overlaps({"a": a, "c": sliver}, {"c"}, 200)
    assert (x, y) == ("a", "c") and 10_000 < area < 12_500
    assert overlaps({"a": a, "c": sliver}, {"c"}, 20_000) == []


def test_the_index_places_points_and_finds_communities_nearby():
    index = BoundaryIndex({"west": _square(114.00, 22.50), "east": _square(114.01, 22.50)})
    assert index.locate(22.505, 114.005) == "west" and index.locate(22.505, 114.015) == "east"
    assert index.locate(22.505, 114.01) == "east"  # on the shared edge: the lower code, as documented
    assert index.locate(23.0, 114.0) is None and len(BoundaryIndex({})) == 0
    assert index.near(22.505, 114.009, 250) == {"west", "east"}  # about 100 m from the edge
    assert index.near(22.505, 114.002, 250) == {"west"}


def test_synthetic_cells_cover_their_points_and_do_not_overlap():
    points = {"a": (22.53, 114.03), "b": (22.53, 114.06), "c": (22.56, 114.05)}
    cells = synthetic_cells(points, Box(22.50, 114.00, 22.60, 114.10))
    index = BoundaryIndex(cells)
    assert all(index.locate(lat, lng) == code for code, (lat, lng) in points.items())
    assert overlaps(cells, cells, 1.0) == []
    assert json.loads(json.dumps(cells)) == cells
