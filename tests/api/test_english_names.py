"""Names in the reader's language (#27.3): under Accept-Language en a case names its category, place and units
in English; the reference lists carry both names. A city's official English name (a polyphone such as 岗厦,
Gangxia, not Gangsha) wins over the romanisation."""

from datetime import timedelta

from app.core.romanize import place_name_en, unit_name_en
from tests import factories as f

EN = {"Accept-Language": "en"}
NANYUAN = "440304001020"  # 南园社区, 南园街道, 福田区
GANGXIA = "440304004030"  # 岗厦社区: its English name is in seed/regions.csv


def test_place_names_romanised_with_the_generic_part_translated():
    assert place_name_en("南山区") == "Nanshan District"
    assert place_name_en("粤海街道") == "Yuehai Subdistrict"
    assert place_name_en("科技园社区") == "Kejiyuan Community"
    assert place_name_en("福田保税区") == "Futian Free Trade Zone"  # the longest generic part wins over 区
    assert place_name_en("福安社区") == "Fu'an Community"  # a syllable from a, o or e takes an apostrophe
    assert place_name_en("深圳市") == "Shenzhen"


def test_unit_names_say_the_generic_word_once():
    assert unit_name_en("Nanshan District", "District government") == "Nanshan District Government"
    assert unit_name_en("Kejiyuan Community", "Community workstation") == "Kejiyuan Community Workstation"
    assert unit_name_en("Nanshan District", "Urban management and law enforcement bureau") == \
        "Nanshan District Urban Management and Law Enforcement Bureau"
    assert unit_name_en("Futian District", "12345 hotline centre") == "Futian District 12345 Hotline Centre"


async def test_a_case_names_its_category_place_and_units_in_the_readers_language(client, app):
    agent = await f.login_as(app, "agent")
    created = await f.case(client, agent, region_code=NANYUAN)
    zh = (await client.get(f"/cases/{created['id']}", headers=agent)).json()
    en = (await client.get(f"/cases/{created['id']}", headers={**agent, **EN})).json()
    assert (zh["category"]["name"], en["category"]["name"]) == ("噪声扰民", "Noise nuisance")
    assert (zh["location"]["region_name"], en["location"]["region_name"]) == ("南园社区", "Nanyuan Community")
    assert zh["lead_unit"]["id"] == en["lead_unit"]["id"]
    assert any("\u4e00" <= ch <= "\u9fff" for ch in zh["lead_unit"]["name"])
    assert en["lead_unit"]["name"].isascii() and en["lead_unit"]["name"].startswith("Futian District ")
    for assignment in en["assignments"]:
        assert assignment["unit"]["name"].isascii(), assignment["unit"]
    listed = (await client.get("/cases", params={"number": created["number"]}, headers={**agent, **EN})).json()
    assert [c["category"]["name"] for c in listed["items"]] == ["Noise nuisance"]


async def test_the_resident_reads_names_in_english_too(client, app):
    resident = await f.login_as(app, "resident", username="13900139777")
    report = await client.post("/reports", headers=resident, json={
        "work_order_type": "complaint", "description": "楼下工地晚上十一点还在打桩，吵得睡不着",
        "address": "福田区南园街道南园社区", "category": "env.noise"})
    assert report.status_code == 201, report.text
    en = (await client.get(f"/cases/{report.json()['id']}", headers={**resident, **EN})).json()
    assert en["category"]["name"] == "Noise nuisance"
    assert en["location"]["region_name"] == "Nanyuan Community"
    if en.get("lead_unit"):
        assert en["lead_unit"]["name"].isascii()
        dispatched = [step for step in en["steps"] if step["step"] == "dispatched"]
        assert all(en["lead_unit"]["name"] in step["label"] for step in dispatched)


async def test_reference_lists_carry_both_names_and_the_citys_own_english_wins(client, app):
    regions = (await client.get("/regions", params={"q": "岗厦"})).json()["items"]
    assert [(r["name"], r["name_en"]) for r in regions if r["code"] == GANGXIA] == [("岗厦社区", "Gangxia Community")]
    detail = (await client.get(f"/regions/{NANYUAN}")).json()
    assert detail["name_en"] == "Nanyuan Community"
    assert [p["name_en"] for p in detail["path"]][:3] == ["Guangdong Province", "Shenzhen", "Futian District"]
    units = (await client.get("/units", params={"region": GANGXIA, "kind": "community_workstation"})).json()["items"]
    assert [u["name_en"] for u in units] == ["Gangxia Community Workstation"]
    one = (await client.get(f"/units/{units[0]['id']}")).json()
    assert one["name_en"] == "Gangxia Community Workstation" and one["name"] == "岗厦社区工作站"


async def test_routing_preview_names_units_in_english(client, app):
    admin = await f.login_as(app, "dispatcher")
    body = {"category": "env.noise", "region_code": NANYUAN, "work_order_type": "complaint"}
    zh = (await client.post("/routing/preview", json=body, headers=admin)).json()
    en = (await client.post("/routing/preview", json=body, headers={**admin, **EN})).json()
    assert zh["lead"]["id"] == en["lead"]["id"] and en["lead"]["name"].isascii()
    assert [u["id"] for u in zh["co_handlers"]] == [u["id"] for u in en["co_handlers"]]
    assert all(u["name"].isascii() for u in en["co_handlers"])


async def test_figures_name_units_and_places_in_english(client, app, clock):
    agent = await f.login_as(app, "agent")
    created = await f.case(client, agent, region_code=NANYUAN)
    staff = await f.login_as(app, "unit_staff", unit=created["lead_unit"]["id"])
    await f.act(client, staff, created, "sign")  # a response to rate
    clock.advance(days=2)  # figures count whole local days
    day = clock.now().date()
    period = {"from": (day - timedelta(days=20)).isoformat(), "to": day.isoformat()}
    en = {**agent, **EN}
    overview = (await client.get("/metrics/overview", params={**period, "region": "440304000000"}, headers=en)).json()
    assert overview["region"]["name"] == "Futian District"
    ranking = (await client.get("/metrics/rankings", params={**period, "rate": "response", "of": "units"},
                                headers=en)).json()
    zh = (await client.get("/metrics/rankings", params={**period, "rate": "response", "of": "units"},
                           headers=agent)).json()
    assert [row["unit"]["id"] for row in ranking["items"]] == [row["unit"]["id"] for row in zh["items"]]
    assert ranking["items"] and all(row["unit"]["name"].isascii() for row in ranking["items"])
    unit = zh["items"][0]["unit"]["id"]
    one = (await client.get(f"/metrics/units/{unit}", params=period, headers=en)).json()
    assert one["unit"]["name"] == ranking["items"][0]["unit"]["name"]
    streets = (await client.get("/metrics/rankings", params={**period, "rate": "response", "of": "streets"},
                                headers=en)).json()
    assert all(row["street"]["name"].isascii() for row in streets["items"])
