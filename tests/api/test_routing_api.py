import yaml

from app.core.config import ROOT
from tests import factories as f

COMMUNITIES = {"440304": "440304001020", "440305": "440305007003"}  # 南园社区, 科技园社区


def seeded_leaves() -> list[str]:
    out = []

    def walk(items):
        for item in items:
            if item.get("children"):
                walk(item["children"])
            else:
                out.append(item["code"])

    walk(yaml.safe_load((ROOT / "seed" / "categories.yaml").read_text()))
    return out


async def test_every_seeded_category_routes_in_both_districts(client, app):
    agent = await f.login_as(app, "agent")
    rules = {r["id"]: r for r in await f.all_pages(client, "/routing/rules", {"limit": 100}, agent)}
    leaves = seeded_leaves()
    assert len(leaves) >= 70
    for district, community in COMMUNITIES.items():
        for code in leaves:
            r = await client.post("/routing/preview", json={"category": code, "region_code": community,
                                                            "work_order_type": "complaint"}, headers=agent)
            assert r.status_code == 200, (code, r.text)
            d = r.json()
            assert d["lead"]["region_code"].startswith(district) and d["trace"]
            assert d["deadlines"]["handle_due"]
            if code == "other.other":
                assert d["fallback"] and d["lead"]["kind"] == "district_government" and d["rule_id"] is None
                continue
            rule = rules[d["rule_id"]]
            assert rule["category"] == code
            if not d["fallback"]:
                assert d["lead"]["kind"] == rule["lead_kind"], (code, d)
                assert {u["kind"] for u in d["co_handlers"]} <= set(rule["co_kinds"])


async def test_overrides_and_ties_from_seed(client, app):
    agent = await f.login_as(app, "agent")
    # 粤海街道 street vendors: two equally specific overrides, the higher priority wins.
    vendor = (await client.post("/routing/preview", json={"category": "city.street_vendor",
                                                          "region_code": "440305007003",
                                                          "work_order_type": "complaint"}, headers=agent)).json()
    assert vendor["lead"]["kind"] == "subdistrict_office" and not vendor["tie"]
    assert any("落选" in s["text"] for s in vendor["trace"])
    elsewhere = (await client.post("/routing/preview", json={"category": "city.street_vendor",
                                                             "region_code": "440304001020",
                                                             "work_order_type": "complaint"}, headers=agent)).json()
    assert elsewhere["rule_id"] != vendor["rule_id"]
    # A work-order-type rule: consultations on pensions go straight to human resources.
    pension = (await client.post("/routing/preview", json={"category": "si.pension", "region_code": "440304001020",
                                                           "work_order_type": "consultation"}, headers=agent)).json()
    assert pension["lead"]["kind"] == "hrss_bureau" and pension["co_handlers"] == []
    # Urgency picks the hour limit.
    urgent = (await client.post("/routing/preview", json={"category": "env.noise", "region_code": "440304001020",
                                                          "work_order_type": "help", "urgency": "critical"},
                                headers=agent)).json()
    assert urgent["deadlines"]["handling_limit"]["unit"] == "hours"


async def test_preview_bad_input(client, app):
    agent = await f.login_as(app, "agent")
    resident = await f.login_as(app, "resident", username="13700004444")
    body = {"category": "env.noise", "region_code": "440304001020", "work_order_type": "complaint"}
    assert (await client.post("/routing/preview", json=body, headers=resident)).status_code == 403
    for change, code in [({"category": "x.y"}, "category_not_found"), ({"region_code": "440304001000"},
                         "region_not_community"), ({"work_order_type": "咨询"}, "validation_failed"),
                         ({"urgency": "panic"}, "validation_failed"), ({"extra": True}, "validation_failed")]:
        r = await client.post("/routing/preview", json={**body, **change}, headers=agent)
        assert r.status_code == 422 and r.json()["code"] == code, (change, r.text)


async def test_categories_tree(client):
    items = (await client.get("/categories")).json()["items"]
    by_code = {c["code"]: c for c in items}
    assert by_code["env.noise"]["parent"] == "env" and by_code["env.noise"]["leaf"]
    assert not by_code["env"]["leaf"] and by_code["env"]["parent"] is None
    assert all(c["name"] and c["name_en"] for c in items)


async def test_admin_rule_lifecycle_changes_routing(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    body = {"category": "env.noise", "region_code": "440304001000", "lead_kind": "subdistrict_office",
            "co_kinds": ["community_workstation"], "priority": 300, "note": "南园街道试点噪声属地处置"}
    assert (await client.post("/routing/rules", json=body, headers=agent)).status_code == 403
    created = await client.post("/routing/rules", json=body, headers=admin)
    assert created.status_code == 201, created.text
    rule = created.json()
    preview = {"category": "env.noise", "region_code": "440304001020", "work_order_type": "complaint"}
    d = (await client.post("/routing/preview", json=preview, headers=agent)).json()
    assert d["rule_id"] == rule["id"] and d["lead"]["kind"] == "subdistrict_office"
    r = await client.patch(f"/routing/rules/{rule['id']}", json={"active": False}, headers=admin)
    assert r.status_code == 428
    r = await client.patch(f"/routing/rules/{rule['id']}", json={"active": False},
                           headers={**admin, "If-Match": '"1"'})
    assert r.status_code == 200 and r.json()["active"] is False and r.headers["etag"] == '"2"'
    d = (await client.post("/routing/preview", json=preview, headers=agent)).json()
    assert d["rule_id"] != rule["id"]
    stale = await client.patch(f"/routing/rules/{rule['id']}", json={"priority": 1},
                               headers={**admin, "If-Match": '"1"'})
    assert stale.status_code == 412
    bad = await client.post("/routing/rules", json={**body, "lead_kind": "wizard_tower"}, headers=admin)
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lead_kind"
    bad = await client.post("/routing/rules", json={**body, "region_code": "440304999000"}, headers=admin)
    assert bad.status_code == 422
