"""Re-routing replaces the assignments: after a move across districts or a change of category, the active units
are exactly the new decision's; units that drop out lose sight of the case and are told, units that come in are
dispatched with their own sign-for deadline and are told."""

from sqlalchemy import select

from app.models import OutboxEvent
from tests import factories as f

MAKAN = "440305009003"  # 南山区西丽街道麻勘社区
YUANDONG = "440304002017"  # 福田区园岭街道园东社区


async def _units(app, region: str, *kinds: str) -> dict[str, int]:
    return {k: await f.unit_by_kind(app, region, k) for k in kinds}



async def _patch(client, headers, case: dict, **body) -> dict:
    r = await client.patch(f"/cases/{case['id']}", json={"reason": "来电人更正", **body},
                           headers={**headers, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 200, r.text
    return r.json()


async def test_a_case_moved_from_nanshan_to_futian_changes_every_unit(client, app, clock):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, category="city.illegal_construction", region_code=MAKAN,
                        description="麻勘村有人在楼顶加盖铁皮房，已经盖到第三层了", address="麻勘村")
    nanshan = await _units(app, "440305000000", "urban_management_bureau", "housing_bureau")
    nanshan |= {"subdistrict_office": await f.unit_by_kind(app, "440305009000", "subdistrict_office"),
                "community_workstation": await f.unit_by_kind(app, MAKAN, "community_workstation")}
    assert f.active_units(case) == {nanshan["subdistrict_office"]: "lead", nanshan["urban_management_bureau"]: "co",
                             nanshan["housing_bureau"]: "co", nanshan["community_workstation"]: "co"}
    housing_staff = await f.login_as(app, "unit_staff", unit=nanshan["housing_bureau"])
    assert (await client.get(f"/cases/{case['id']}", headers=housing_staff)).status_code == 200

    clock.advance(hours=3)
    moved = await _patch(client, agent, case, region_code=YUANDONG, address="园东花园")
    futian = await _units(app, "440304000000", "urban_management_bureau", "housing_bureau")
    futian |= {"subdistrict_office": await f.unit_by_kind(app, "440304002000", "subdistrict_office"),
               "community_workstation": await f.unit_by_kind(app, YUANDONG, "community_workstation")}
    assert f.active_units(moved) == {futian["subdistrict_office"]: "lead", futian["urban_management_bureau"]: "co",
                              futian["housing_bureau"]: "co", futian["community_workstation"]: "co"}
    ended = {a["unit"]["id"]: a["status"] for a in moved["assignments"] if not a["active"]}
    assert ended == {u: "rerouted" for u in nanshan.values()}
    # Every unit that came in signs within its own limit from now (24 hours under the Shenzhen profile).
    for a in moved["assignments"]:
        if a["active"]:
            assert a["dispatched_at"] == moved["updated_at"] and a["sign_due"] == moved["deadlines"]["sign_due"]
    event = next(e for e in moved["timeline"] if e["type"] == "reroute")
    assert event["data"]["trace"] and set(event["data"]["dropped_unit_ids"]) == set(nanshan.values())
    assert set(event["data"]["units_added"]) == set(futian.values())

    for unit in nanshan.values():  # the Nanshan units no longer see it, nor act on it
        staff = await f.login_as(app, "unit_staff", unit=unit)
        assert (await client.get(f"/cases/{case['id']}", headers=staff)).status_code == 404
        r = await client.post(f"/cases/{case['id']}/actions/sign", json={},
                              headers={**staff, "If-Match": f'"{moved["version"]}"'})
        assert r.status_code == 404
        queue = (await client.get("/cases", headers=staff)).json()["items"]
        assert case["id"] not in [c["id"] for c in queue]
    for unit in futian.values():
        staff = await f.login_as(app, "unit_staff", unit=unit)
        assert case["id"] in [c["id"] for c in (await client.get("/cases", headers=staff)).json()["items"]]

    told = await f.told(app, case["id"], "reroute")
    assert told == {**{u: "dropped" for u in nanshan.values() if u != nanshan["subdistrict_office"]},
                    nanshan["subdistrict_office"]: "previous_lead", futian["subdistrict_office"]: "lead",
                    futian["urban_management_bureau"]: "co", futian["housing_bureau"]: "co",
                    futian["community_workstation"]: "co"}
    async with app.state.sessionmaker() as session:
        gone = (await session.execute(select(OutboxEvent).where(
            OutboxEvent.case_id == case["id"], OutboxEvent.unit_id == nanshan["housing_bureau"],
            OutboxEvent.type == "reroute"))).scalar_one()
        assert gone.body["case"].keys() == {"id", "number", "status"} and gone.body["data"] == {}


async def test_a_category_change_brings_in_the_new_categorys_co_handlers(client, app, clock):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, category="city.illegal_construction", region_code=YUANDONG,
                        description="隔壁楼在天台搭建铁皮房，晚上施工很吵", address="园东花园")
    changed = await _patch(client, agent, case, category="env.noise")
    futian = await _units(app, "440304000000", "ecology_environment_bureau", "urban_management_bureau",
                          "housing_bureau")
    police = await f.unit_by_kind(app, "440304002000", "police_station")
    workstation = await f.unit_by_kind(app, YUANDONG, "community_workstation")
    office = await f.unit_by_kind(app, "440304002000", "subdistrict_office")
    assert f.active_units(changed) == {futian["ecology_environment_bureau"]: "lead",
                                       futian["urban_management_bureau"]: "co", police: "co"}
    assert {a["unit"]["id"] for a in changed["assignments"] if not a["active"]} == {
        office, futian["housing_bureau"], workstation}
    # The urban management bureau stays on the case: one assignment, never ended.
    kept = [a for a in changed["assignments"] if a["unit"]["id"] == futian["urban_management_bureau"]]
    assert len(kept) == 1 and kept[0]["active"]
    told = await f.told(app, case["id"], "reroute")
    assert told[police] == "co" and told[futian["housing_bureau"]] == "dropped" and told[office] == "previous_lead"


async def test_a_change_that_keeps_the_decision_changes_no_assignment(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    before = {a["id"] for a in case["assignments"] if a["active"]}
    moved = await _patch(client, agent, case, address="南园社区另一个小区")
    assert {a["id"] for a in moved["assignments"] if a["active"]} == before
