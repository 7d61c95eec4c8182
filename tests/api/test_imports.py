"""A city's reference data through /admin/imports and /admin/exports: dry runs that name every row's problem and
write nothing, applies in one transaction with an audit record and a catalogue version, exports that round-trip
byte for byte, community boundaries that place coordinates, and a second city loaded without a code change."""

import json
from pathlib import Path

from sqlalchemy import func, select

from app.models import AuditLog, Boundary, CatalogueVersion, Place, Region, RoutingRule, Unit
from tests import factories as f

DEMO = Path("seed/demo")
GANGXIA, HUANGGANG = "440304004030", "440304004034"  # neighbours in the synthetic boundaries
GANGXIA_POINT, HUANGGANG_POINT = (22.537, 114.066), (22.530, 114.068)
XUJIAHUI_1 = "310104014001"


def _files(*items: tuple[str, bytes | str]) -> list[tuple[str, tuple[str, bytes]]]:
    return [("files", (name, body.encode() if isinstance(body, str) else body)) for name, body in items]


async def _import(client, admin, *items, dry_run: bool = False, expect: int = 200):
    r = await client.post("/admin/imports", params={"dry_run": "true"} if dry_run else None, files=_files(*items),
                          headers=admin)
    assert r.status_code == expect, r.text
    return r.json()


async def _count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        stmt = select(func.count()).select_from(model)
        for clause in where:
            stmt = stmt.where(clause)
        return (await session.execute(stmt)).scalar_one()


def _problems(body) -> set[tuple[str, int | None, str | None, str]]:
    return {(p["sheet"], p["line"], p["column"], p["code"]) for p in body["problems"]}


UNITS_BAD = (
    "code,name,kind,region_code,parent_code,phone,address,webhook_url\n"
    "t-a,测试甲办事处,subdistrict_office,440304001000,t-b,,,\n"            # 2: a and b are each other's parent
    "t-b,测试乙办事处,subdistrict_office,440304002000,t-a,,,\n"            # 3
    "t-c,测试丙工作站,community_workstation,,,,,\n"                         # 4: no jurisdiction
    "t-d,测试丁站,no_such_kind,440304001020,,,,\n"                          # 5: unknown kind
    "t-e,福田区人民政府,district_government,440304000000,,,,\n"             # 6: a name the district already has
    "t-f,测试戊站,community_workstation,440304999999,,,,ftp://x\n"          # 7: unknown region, bad webhook
)
KINDS_NEW = "code,name,name_en,level\nlonely_kind,无人单位,Nobody,district\n"
RULES_BAD = (
    "category_code,region_code,work_order_type,lead_kind,co_kinds,handling_class,priority,active,note\n"
    "env.noise,,complaint,lonely_kind,,standard,300,1,no unit of this kind anywhere\n"     # 2
    "no.such,,,urban_management_bureau,,standard,300,1,\n"                                  # 3: unknown category
    "env.air,440304000000,bribe,urban_management_bureau,,weird,300,1,\n"                    # 4: bad type and class
)
PLACES_BAD = (
    "kind,name,aliases,community_code,road,number_from,number_to,parity,latitude,longitude,source,verified,note\n"
    "compound,测试花园,,440304001020,,,,,,,test,no,\n"                     # 2
    "compound,测试花园,,440304002016,,,,,,,test,no,\n"                     # 3: the same place in a second community
    "landmark,平安金融中心,,440304001020,,,,,,,test,no,\n"                 # 4: stored in 福安, no tag
    "compound,无名小区,,440304999999,,,,,,,test,no,\n"                     # 5: unknown community
    "compound,街道小区,,440304001000,,,,,,,test,no,\n"                     # 6: a subdistrict, not a community
    "road_segment,测试路1-9号,,440304001020,测试路,9,1,odd,,,test,no,\n"   # 7: range backwards
    "landmark,反了,,440304001020,,,,,114.05,22.54,test,no,\n"              # 8: lat/lng swapped
    "landmark,测试楼,,440304001020,,,,,,,test,maybe,\n"                    # 9: not a yes/no
)


async def test_a_dry_run_names_every_rows_problem_and_writing_it_writes_nothing(client, app):
    admin = await f.login_as(app, "admin")
    before = [await _count(app, m) for m in (Unit, RoutingRule, Place, CatalogueVersion, AuditLog)]
    files = (("units.csv", UNITS_BAD), ("unit_kinds.csv", KINDS_NEW), ("routing_rules.csv", RULES_BAD),
             ("places.csv", PLACES_BAD))
    body = await _import(client, admin, *files, dry_run=True)
    assert body["dry_run"] is True and body["ok"] is False and body["version"] is None
    found = _problems(body)
    expected = {
        ("units", 2, "parent_code", "import_unit_cycle"), ("units", 3, "parent_code", "import_unit_cycle"),
        ("units", 4, "region_code", "import_unit_no_jurisdiction"), ("units", 5, "kind", "import_unit_kind_unknown"),
        ("units", 6, "name", "import_duplicate_name"), ("units", 7, "region_code", "import_region_unknown"),
        ("units", 7, "webhook_url", "import_webhook_url_invalid"),
        ("routing_rules", 2, "lead_kind", "import_rule_kind_has_no_unit"),
        ("routing_rules", 3, "category_code", "import_category_unknown"),
        ("routing_rules", 4, "work_order_type", "import_work_order_type_unknown"),
        ("routing_rules", 4, "handling_class", "import_handling_class_unknown"),
        ("places", 2, "community_code", "import_place_in_two_communities"),
        ("places", 3, "community_code", "import_place_in_two_communities"),
        ("places", 4, "community_code", "import_place_in_two_communities"),
        ("places", 5, "community_code", "import_region_unknown"),
        ("places", 6, "community_code", "import_not_a_community"),
        ("places", 7, "number_to", "import_segment_range_invalid"),
        ("places", 8, "latitude", "import_coordinates_swapped"),
        ("places", 9, "verified", "import_cell_not_boolean"),
    }
    assert expected <= found, expected - found
    cycle = next(p for p in body["problems"] if p["code"] == "import_unit_cycle")
    assert "t-a → t-b → t-a" in cycle["message"] or "t-b → t-a → t-b" in cycle["message"]
    english = (await client.post("/admin/imports", params={"dry_run": "true"}, files=_files(*files),
                                 headers={**admin, "Accept-Language": "en"})).json()
    assert any(p["message"].startswith("Unit t-c has no jurisdiction") for p in english["problems"])
    # Applied, the same files are a 422 listing the same problems, and nothing is written.
    r = await client.post("/admin/imports", files=_files(*files), headers=admin)
    assert r.status_code == 422 and r.json()["code"] == "import_rejected"
    assert {(p["sheet"], p["line"], p["column"], p["code"]) for p in r.json()["problems"]} == found
    assert [await _count(app, m) for m in (Unit, RoutingRule, Place, CatalogueVersion, AuditLog)] == before


async def test_bad_files_are_reported_and_nothing_is_written(client, app):
    admin = await f.login_as(app, "admin")
    gbk = ("kind,name,aliases,community_code,road,number_from,number_to,parity,latitude,longitude,source,verified,"
           "note\n"
           "compound,测试苑,,440304001020,,,,,,,区民政局提供,no,\n").encode("gbk")
    body = await _import(client, admin, ("新地名.csv", gbk), dry_run=True)  # GBK, found by its header
    assert body["ok"] and body["changes"]["places"]["inserted"] == 1
    mixed = b"code,name,name_en,level\n" + "a,甲类,A,district\n".encode() + "b,乙类,B,district\n".encode("gbk")
    wrong = "code,name,colour\nx,y,z\n"
    missing = "code,name,name_en\nx,y,z\n"  # a unit_kinds file without `level`
    article = ("code,category_code,question,answer,keywords,policy_title,document_number,valid_from,valid_to,note\n"
               "kb-test,no.such,怎么办理居住证?,带上身份证和租赁合同到社区工作站办理。,,,,2026-01-01,,\n")
    bad_geo = json.dumps({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {
        "code": GANGXIA}, "geometry": {"type": "Polygon", "coordinates": [[[114.06, 22.53], [114.07, 22.53],
                                                                          [114.07, 22.54]]]}}]})
    r = await client.post("/admin/imports", files=_files(
        ("unit_kinds.csv", mixed), ("mystery.csv", wrong), ("unit_kinds_more.csv", missing),
        ("knowledge_articles.csv", article), ("b.geojson", bad_geo), ("notes.docx", b"binary"),
        ("places.csv", gbk)), headers=admin)
    assert r.status_code == 422, r.text
    codes = {(p["file"], p["code"]) for p in r.json()["problems"]}
    assert codes == {("unit_kinds.csv", "import_encoding_mixed"), ("mystery.csv", "import_sheet_unknown"),
                     ("unit_kinds_more.csv", "import_columns_missing"),
                     ("knowledge_articles.csv", "import_category_unknown"), ("b.geojson", "polygon_not_closed"),
                     ("notes.docx", "import_format_unknown")}
    mixed_problem = next(p for p in r.json()["problems"] if p["code"] == "import_encoding_mixed")
    assert "2" in mixed_problem["message"] and "3" in mixed_problem["message"]
    assert await _count(app, Place, Place.name == "测试苑") == 0
    empty = await client.post("/admin/imports", files=[], headers=admin)
    assert empty.status_code == 422
    agent = await f.login_as(app, "agent")
    assert (await client.post("/admin/imports", files=_files(("places.csv", gbk)), headers=agent)).status_code == 403
    assert (await client.get("/admin/exports/units.csv", headers=agent)).status_code == 403


async def test_the_catalogue_exports_imports_and_exports_again_identically(client, app):
    admin = await f.login_as(app, "admin")
    first = await client.get("/admin/exports/catalogue.xlsx", headers=admin)
    assert first.status_code == 200 and first.headers["content-type"].startswith("application/vnd.openxml")
    csvs = {name: (await client.get(f"/admin/exports/{name}.csv", headers=admin)).content
            for name in ("regions", "units", "routing_rules", "places", "deadline_profiles", "service_items")}
    dry = await _import(client, admin, ("catalogue.xlsx", first.content), dry_run=True)
    assert dry["ok"] and all(c["inserted"] == c["updated"] == 0 for c in dry["changes"].values())
    assert dry["changes"]["places"]["unchanged"] == 374
    applied = await _import(client, admin, ("catalogue.xlsx", first.content))
    assert applied["ok"] and applied["version"] == 1 and applied["dry_run"] is False
    twice = await client.post("/admin/imports", files=_files(("catalogue.xlsx", first.content),
                                                             ("places.csv", csvs["places"])), headers=admin)
    assert twice.status_code == 422  # one batch naming a row twice
    assert {p["code"] for p in twice.json()["problems"]} == {"import_duplicate_key"}
    csv_applied = await _import(client, admin, *[(f"{name}.csv", data) for name, data in csvs.items()])
    assert csv_applied["version"] == 2
    again = await client.get("/admin/exports/catalogue.xlsx", headers=admin)
    assert again.content == first.content
    for name, data in csvs.items():
        assert (await client.get(f"/admin/exports/{name}.csv", headers=admin)).content == data, name
    async with app.state.sessionmaker() as session:
        audits = list((await session.execute(select(AuditLog).where(AuditLog.action == "catalogue.import")
                                             .order_by(AuditLog.id))).scalars())
    assert [a.target_id for a in audits] == ["1", "2"] and audits[0].detail["files"] == ["catalogue.xlsx"]
    version = (await client.get("/admin/imports/version", headers=admin)).json()
    assert version["version"] == 2 and version["files"][0] == "regions.csv"
    for bad in ("nothing.csv", "catalogue.csv", "units.geojson"):
        assert (await client.get(f"/admin/exports/{bad}", headers=admin)).status_code == 404
    r = await client.get("/admin/exports/catalogue.xlsx", params={"sheets": "units,nope"}, headers=admin)
    assert r.status_code == 422


async def test_an_edited_sheet_changes_only_its_rows_and_new_routing(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    before = await f.case(client, agent)  # env.noise: the ecology bureau leads
    assert before["lead_unit"]["kind"] == "ecology_environment_bureau"
    rules = (await client.get("/admin/exports/routing_rules.csv", headers=admin)).content.decode("utf-8-sig")
    header, *rows = rules.splitlines()
    edited = [r.replace(",ecology_environment_bureau,", ",urban_management_bureau,", 1)
              if r.startswith("env.noise,,,") else r for r in rows]
    body = await _import(client, admin, ("routing_rules.csv", "\n".join([header, *edited]) + "\n"))
    assert body["changes"]["routing_rules"] == {"inserted": 0, "updated": 1, "unchanged": len(rows) - 1}
    after = await f.case(client, agent)
    assert after["lead_unit"]["kind"] == "urban_management_bureau"  # new routing uses the new catalogue
    kept = (await client.get(f"/cases/{before['id']}", headers=agent)).json()
    assert kept["lead_unit"]["id"] == before["lead_unit"]["id"]  # an open case keeps its decision


async def test_boundaries_place_coordinates_and_round_trip(client, app):
    admin = await f.login_as(app, "admin")
    geo = (DEMO / "shenzhen_boundaries_synthetic.geojson").read_bytes()
    body = await _import(client, admin, ("shenzhen_boundaries_synthetic.geojson", geo))
    assert body["changes"]["boundaries"]["inserted"] == 20
    async with app.state.sessionmaker() as session:
        stored = (await session.execute(select(Boundary).where(Boundary.community_code == GANGXIA))).scalar_one()
    assert stored.synthetic is True and "synthetic" in stored.source
    exported = (await client.get("/admin/exports/boundaries.geojson", headers=admin)).content
    await _import(client, admin, ("boundaries.geojson", exported))
    assert (await client.get("/admin/exports/boundaries.geojson", headers=admin)).content == exported

    # An app report with coordinates alone gets its community from the boundary.
    resident = await f.login_as(app, "resident", username="13900139001")
    r = await client.post("/reports", headers=resident, json={
        "work_order_type": "投诉", "description": "路边的工地晚上施工，噪音太大了睡不着",
        "latitude": GANGXIA_POINT[0], "longitude": GANGXIA_POINT[1]})
    assert r.status_code == 201, r.text
    assert r.json()["location"]["region_code"] == GANGXIA and r.json()["status"] == "dispatched"
    # So does an Open311 request: dispatched, not held for an agent.
    key = (await client.post("/admin/api-keys", json={"name": "随手拍", "kind": "open311"}, headers=admin)).json()
    r = await client.post("/open311/v2/requests.json", data={
        "api_key": key["key"], "service_code": "env.noise", "attribute[work_order_type]": "complaint",
        "lat": str(HUANGGANG_POINT[0]), "long": str(HUANGGANG_POINT[1]), "description": "夜里工地施工很吵"})
    assert r.status_code == 201, r.text
    agent = await f.login_as(app, "agent")
    [req] = (await client.get(f"/open311/v2/requests/{r.json()[0]['service_request_id']}.json")).json()
    assert req["address_id"] == HUANGGANG and req["agency_responsible"] is not None
    # An ambiguous address with coordinates is settled by them.
    r = await client.post("/hotline/orders", headers=agent, json={
        "caller_phone": "13800138000", "work_order_type": "投诉", "description": "车公庙附近工地夜间施工噪声扰民",
        "address": "福田区", "latitude": GANGXIA_POINT[0], "longitude": GANGXIA_POINT[1]})
    assert r.status_code == 201 and r.json()["location"]["region_code"] == GANGXIA


async def test_bad_boundaries_are_refused_row_by_row(client, app):
    admin = await f.login_as(app, "admin")
    synthetic = json.loads((DEMO / "shenzhen_boundaries_synthetic.geojson").read_text(encoding="utf-8"))
    await _import(client, admin, ("base.geojson", json.dumps(synthetic)))
    gangxia = next(ft for ft in synthetic["features"] if ft["properties"]["code"] == GANGXIA)
    swapped = {**gangxia, "geometry": {"type": "Polygon", "coordinates": [
        [[lat, lng] for lng, lat in ring] for ring in gangxia["geometry"]["coordinates"]]}}
    overlapping = {**gangxia, "properties": {"code": "440304004031"}}  # 海滨: drawn over 岗厦
    unknown = {**gangxia, "properties": {"code": "440304004999"}}
    district = {**gangxia, "properties": {"code": "440304000000"}}
    body = {"type": "FeatureCollection", "features": [swapped, overlapping, unknown, district]}
    r = await client.post("/admin/imports", files=_files(("bad.geojson", json.dumps(body))), headers=admin)
    assert r.status_code == 422
    assert {(p["line"], p["code"]) for p in r.json()["problems"]} == {
        (1, "coordinates_swapped"), (2, "import_boundaries_overlap"), (3, "import_region_unknown"),
        (4, "import_not_a_community")}
    assert await _count(app, Boundary) == 20
    not_a_collection = await client.post("/admin/imports", files=_files(("x.geojson", '{"type": "Point"}')),
                                         headers=admin)
    assert not_a_collection.json()["problems"][0]["code"] == "import_geojson_not_collection"


async def test_duplicate_search_reaches_a_neighbouring_community_within_the_radius(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    await _import(client, admin, ("b.geojson", (DEMO / "shenzhen_boundaries_synthetic.geojson").read_bytes()))
    base = {"caller_phone": "13800138002", "work_order_type": "complaint", "category": "env.noise",
            "description": "路口的工地夜间施工噪声很大"}
    neighbour = (await client.post("/hotline/orders", headers=agent, json={**base, "region_code": HUANGGANG})).json()
    # About 40 m inside 岗厦 from its border with 皇岗 (the cells' shared edge lies halfway between their points).
    lat = GANGXIA_POINT[0] * 0.55 + HUANGGANG_POINT[0] * 0.45
    lng = GANGXIA_POINT[1] * 0.55 + HUANGGANG_POINT[1] * 0.45
    near = (await client.post("/hotline/orders", headers=agent,
                              json={**base, "latitude": lat, "longitude": lng})).json()
    assert near["location"]["region_code"] == GANGXIA
    [similar] = near["similar"]
    assert similar["case"]["id"] == neighbour["id"] and similar["same_community"] is False
    assert similar["distance_m"] is None
    far = (await client.post("/hotline/orders", headers=agent, json={
        **base, "latitude": GANGXIA_POINT[0] + 0.004, "longitude": GANGXIA_POINT[1]})).json()
    assert neighbour["id"] not in [s["case"]["id"] for s in far["similar"]]


async def test_the_second_city_loads_through_the_import_and_routes_a_case(client, app):
    admin = await f.login_as(app, "admin")
    files = sorted((DEMO / "shanghai").glob("*.csv")) + sorted((DEMO / "shanghai").glob("*.geojson"))
    body = await _import(client, admin, *[(p.name, p.read_bytes()) for p in files])
    assert body["changes"]["regions"]["inserted"] == 11 and body["changes"]["units"]["inserted"] == 30
    agent = await f.login_as(app, "agent")
    r = await client.post("/hotline/orders", headers=agent, json={
        "caller_phone": "13800138000", "work_order_type": "投诉", "category": "city.street_vendor",
        "description": "港汇恒隆广场门口每天晚上都有流动摊贩占道经营", "address": "徐汇区港汇恒隆广场门口"})
    assert r.status_code == 201, r.text
    order = r.json()
    assert order["location"]["region_code"] == XUJIAHUI_1
    assert order["lead_unit"]["kind"] == "urban_management_squad" and "徐家汇中队" in order["lead_unit"]["name"]
    assert order["profile"] == "shanghai_subdistrict"
    async with app.state.sessionmaker() as session:
        co = (await session.execute(select(Unit.code).where(Unit.id.in_(order["routing"]["co_unit_ids"])))).scalars()
        assert set(co) == {"sh-310104014000-grid"}
    async with app.state.sessionmaker() as session:
        district = await session.get(Region, "310104000000")
    assert district.profile_code == "shanghai_subdistrict"
    # Coordinates alone, inside the demo's (synthetic) boundaries, place a Shanghai report too.
    resident = await f.login_as(app, "resident", username="13900139002")
    r = await client.post("/reports", headers=resident, json={
        "work_order_type": "求助", "description": "小区门口路灯坏了好几天，晚上很黑",
        "latitude": 31.195, "longitude": 121.437})
    assert r.status_code == 201 and r.json()["location"]["region_code"] == XUJIAHUI_1
