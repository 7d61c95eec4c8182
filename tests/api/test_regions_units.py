from tests import factories as f


async def test_region_search_and_detail(client):
    r = await client.get("/regions", params={"q": "南园"})
    names = [x["name"] for x in r.json()["items"]]
    assert "南园街道" in names and "南园社区" in names
    old = await client.get("/regions", params={"q": "新南园"})  # the pre-2023 name is an alias
    assert [x["code"] for x in old.json()["items"]] == ["440304001020"]
    prefix = await client.get("/regions", params={"q": "440305007", "level": "community"})
    assert prefix.json()["items"] and all(x["code"].startswith("440305007") for x in prefix.json()["items"])
    detail = await client.get("/regions/440304002017")
    assert detail.json()["name"] == "园东社区"
    assert [p["code"] for p in detail.json()["path"]] == ["440000000000", "440300000000", "440304000000",
                                                          "440304002000"]


async def test_children_paginate_with_cursor(client):
    seen = [x["code"] for x in await f.all_pages(client, "/regions", {"parent": "440304001000", "limit": 3})]
    assert len(seen) == len(set(seen)) and seen == sorted(seen) and len(seen) > 3
    assert all(c.startswith("440304001") for c in seen)


async def test_region_bad_input(client):
    assert (await client.get("/regions/123")).json()["code"] == "region_code_invalid"
    r = await client.get("/regions/440304999999")
    assert r.status_code == 404 and r.json()["code"] == "region_not_found"
    r = await client.get("/regions", params={"parent": "440304999000"})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "parent"
    assert (await client.get("/regions", params={"cursor": "@@@"})).json()["code"] == "cursor_invalid"
    assert (await client.get("/regions", params={"limit": 101})).status_code == 422


async def test_units_by_kind_and_region(client):
    r = await client.get("/units", params={"kind": "judicial_office", "region": "440304000000", "limit": 100})
    items = r.json()["items"]
    assert len(items) == 10 and all(u["kind"] == "judicial_office" for u in items)
    ws = await client.get("/units", params={"kind": "community_workstation", "region": "440304001000",
                                            "limit": 100})
    assert ws.json()["items"] and all(u["region_code"].startswith("440304001") for u in ws.json()["items"])
    one = await client.get(f"/units/{items[0]['id']}")
    assert one.json()["name"].endswith("司法所")
    assert (await client.get("/units/999999")).json()["code"] == "unit_not_found"
    bad = await client.get("/units", params={"region": "440399000000"})
    assert bad.status_code == 422 and bad.json()["code"] == "region_not_found"


async def test_every_community_has_a_workstation_and_every_district_the_set(client):
    communities = []
    for district in ("440304", "440305"):
        items = await f.all_pages(client, "/regions", {"q": district, "level": "community", "limit": 100})
        communities += [x for x in items if not x["statistical"]]
    stations = await f.all_pages(client, "/units", {"kind": "community_workstation", "limit": 100})
    assert {c["code"] for c in communities} == {u["region_code"] for u in stations}
    for kind in ("district_government", "civil_affairs_bureau", "hrss_bureau", "urban_management_bureau",
                 "housing_bureau", "health_bureau", "market_regulation_bureau", "ecology_environment_bureau",
                 "public_security_branch", "hotline_centre"):
        r = await client.get("/units", params={"kind": kind})
        assert {u["region_code"] for u in r.json()["items"]} == {"440304000000", "440305000000"}, kind
