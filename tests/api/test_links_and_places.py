"""Related cases (link without merging) and compound/landmark names in address resolution."""

from tests import factories as f

NANYUAN = "440304001020"  # 南园街道南园社区 (formerly 新南园)
YUANDONG = "440304002017"  # 园岭街道园东社区


async def test_an_agent_links_a_likely_duplicate_and_both_timelines_say_so(client, app):
    agent = await f.login_as(app, "agent")
    first = await f.case(client, agent)
    second = await f.case(client, agent, description="工地夜间施工又开始了，还是很吵")
    second = await f.act(client, agent, second, "link", {"case_id": first["id"], "note": "同一工地"})
    assert [r["number"] for r in second["related"]] == [first["number"]]
    assert second["status"] == "dispatched" and second["timeline"][-1]["type"] == "link"
    first = (await client.get(f"/cases/{first['id']}", headers=agent)).json()
    assert [r["id"] for r in first["related"]] == [second["id"]]
    linked = first["timeline"][-1]
    assert linked["type"] == "linked" and linked["data"]["related_number"] == second["number"]
    assert first["status"] == "dispatched"  # related, not merged: both stay open and are counted

    again = await f.act(client, agent, first, "link", {"case_id": second["id"]}, expect=409)
    assert again["code"] == "link_exists"
    assert (await f.act(client, agent, first, "link", {"case_id": first["id"]}, expect=422))["code"] == "link_to_self"
    assert (await f.act(client, agent, first, "link", {"case_id": 999999}, expect=422))["code"] == \
        "link_case_not_found"
    first = await f.act(client, agent, first, "unlink", {"case_id": second["id"], "reason": "不是同一工地"})
    assert first["related"] == []
    assert (await f.act(client, agent, first, "unlink", {"case_id": second["id"]}, expect=409))["code"] == \
        "link_not_found"


async def test_residents_and_units_cannot_link(client, app):
    agent = await f.login_as(app, "agent")
    resident = await f.login_as(app, "resident")
    mine = (await client.post("/cases", json={**f.NOISE_CASE, "caller_phone": None}, headers=resident)).json()
    other = await f.case(client, agent)
    refused = await f.act(client, resident, mine, "link", {"case_id": other["id"]}, expect=409)
    assert refused["code"] == "action_not_allowed"


async def test_a_compound_placed_by_an_administrator_resolves_to_its_community(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    before = await client.post("/regions/resolve", json={"address": "金色家园3栋"}, headers=agent)
    assert before.status_code == 422 or before.json()["region_code"] != YUANDONG
    response = await client.put(f"/regions/{YUANDONG}/places", json={"places": ["金色家园", "金色家园"]},
                                headers=admin)
    assert response.status_code == 200 and response.json()["places"] == ["金色家园"]
    after = (await client.post("/regions/resolve", json={"address": "金色家园3栋", }, headers=agent)).json()
    assert after["region_code"] == YUANDONG and after["level"] == "community"
    assert after["matched"][0]["kind"] == "place"


async def test_a_compound_name_in_two_communities_is_answered_with_both(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    for code in (YUANDONG, NANYUAN):
        assert (await client.put(f"/regions/{code}/places", json={"places": ["碧海名苑"]}, headers=admin)
                ).status_code == 200
    result = (await client.post("/regions/resolve", json={"address": "碧海名苑"}, headers=agent)).json()
    assert result["ambiguous"] is True and {c["region_code"] for c in result["candidates"]} == {YUANDONG, NANYUAN}
    # The subdistrict in the text settles it.
    settled = (await client.post("/regions/resolve", json={"address": "园岭街道碧海名苑"}, headers=agent)).json()
    assert settled["region_code"] == YUANDONG and settled["ambiguous"] is False


async def test_places_bad_input(client, app):
    admin = await f.login_as(app, "admin")
    agent = await f.login_as(app, "agent")
    assert (await client.put(f"/regions/{YUANDONG}/places", json={"places": ["x"]}, headers=agent)).status_code == 403
    for code, body, status, problem in (
        (YUANDONG, {"places": ["园"]}, 422, "validation_failed"),
        (YUANDONG, {"places": "园东花园"}, 422, "validation_failed"),
        ("440304999999", {"places": ["园东花园"]}, 404, "region_not_found"),
        ("12", {"places": ["园东花园"]}, 422, "region_code_invalid"),
        ("440300000000", {"places": ["园东花园"]}, 422, "places_level_invalid"),
    ):
        response = await client.put(f"/regions/{code}/places", json=body, headers=admin)
        assert (response.status_code, response.json()["code"]) == (status, problem), response.text
