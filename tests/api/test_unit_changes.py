"""机构改革: an import that retires a unit holding open cases, or moves it to another place, routes each open case
it can no longer hold again under the new catalogue, in the import's transaction, as a change of category or place
does: the unit loses sight of them and is told, the unit that takes over is dispatched with its own sign-for
deadline and finds them in its queue, and the timeline carries the new trace. When no unit of the kind could take
them the import is refused, naming the unit and how many open cases it holds, and nothing is written; the dry run
says the same, or how many would move. A unit added by an import routes new cases at once (the reference cache is
dropped when the import commits)."""

import csv
import io

from sqlalchemy import func, select

from app.models import Assignment, CatalogueVersion, Unit
from tests import factories as f

NANYUAN_SUBDISTRICT, DISTRICT = "440304001000", "440304000000"
UNITS_HEADER = "code,name,kind,region_code,parent_code,phone,address,webhook_url,webhook_active,active\n"


async def _export_row(client, admin, code: str, **changes: str) -> str:
    r = await client.get("/admin/exports/units.csv", headers=admin)
    assert r.status_code == 200, r.text
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    row = next(r for r in rows if r["code"] == code)
    row.update(changes)
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


async def _code(app, unit_id: int) -> str:
    async with app.state.sessionmaker() as session:
        unit = await session.get(Unit, unit_id)
        assert unit is not None
        return unit.code


def _with(csv_text: str, *lines: str) -> str:
    """Rows appended to an exported units.csv (the same columns)."""
    return csv_text + "".join(line + "\n" for line in lines)


async def _import(client, admin, units_csv: str, *, dry_run: bool = False, expect: int = 200) -> dict:
    r = await client.post("/admin/imports", params={"dry_run": "true"} if dry_run else None,
                          files=[("files", ("units.csv", units_csv.encode()))], headers=admin)
    assert r.status_code == expect, r.text
    return r.json()



async def _versions(app) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(CatalogueVersion))).scalar_one()


async def _queue_ids(client, headers) -> set[int]:
    return {c["id"] for c in await f.all_pages(client, "/cases", {}, headers)}


def _second_police() -> str:
    return f"t-ny-police-2,南园第二派出所,police_station,{NANYUAN_SUBDISTRICT},,,,,1,1"


async def test_a_retired_co_handler_hands_its_case_to_its_successor(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)  # noise in 南园: the ecology bureau leads, urban management and police help
    police = await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    assert f.active_units(case)[police] == "co"
    old_staff = await f.login_as(app, "unit_staff", unit=police)
    assert (await client.get(f"/cases/{case['id']}", headers=old_staff)).status_code == 200
    admin = await f.login_as(app, "admin")
    units_csv = _with(await _export_row(client, admin, await _code(app, police), active="0"), _second_police())

    dry = await _import(client, admin, units_csv, dry_run=True)
    assert dry["ok"] and dry["changes"]["units"].get("open_cases_rerouted") == 1, dry
    assert (await f.desk(client, app, case["id"]))["version"] == case["version"]  # the dry run wrote nothing

    done = await _import(client, admin, units_csv)
    assert done["changes"]["units"] == {"inserted": 1, "updated": 1, "unchanged": 0, "open_cases_rerouted": 1}
    successor = await f.unit_id(app, "t-ny-police-2")
    after = await f.desk(client, app, case["id"])
    assert f.active_units(after) == {**{u: r for u, r in f.active_units(case).items() if u != police}, successor: "co"}
    assert after["status"] == case["status"] and after["lead_unit"]["id"] == case["lead_unit"]["id"]
    event = after["timeline"][-1]
    assert event["type"] == "reroute" and event["data"]["retired_unit_ids"] == [police]
    assert event["data"]["dropped_unit_ids"] == [police] and event["data"]["units_added"] == [successor]
    mine = next(a for a in after["assignments"] if a["active"] and a["unit"]["id"] == successor)
    assert mine["status"] == "dispatched" and mine["sign_due"] is not None
    told = await f.told(app, case["id"], "reroute")
    assert told[police] == "dropped" and told[successor] == "co" and told[case["lead_unit"]["id"]] == "lead"

    assert (await client.get(f"/cases/{case['id']}", headers=old_staff)).status_code == 404
    assert case["id"] not in await _queue_ids(client, old_staff)
    new_staff = await f.login_as(app, "unit_staff", unit=successor)
    assert case["id"] in await _queue_ids(client, new_staff)
    assert (await client.get(f"/cases/{case['id']}", headers=new_staff)).status_code == 200

    # A new case is routed to the unit the import added, without a restart.
    fresh = await f.case(client, agent)
    assert f.active_units(fresh).get(successor) == "co" and police not in f.active_units(fresh)


async def test_a_retired_lead_hands_its_case_to_a_second_unit_of_its_kind(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    lead = case["lead_unit"]["id"]
    staff = await f.login_as(app, "unit_staff", unit=lead)
    case = await f.act(client, staff, case, "sign")
    admin = await f.login_as(app, "admin")
    units_csv = _with(await _export_row(client, admin, await _code(app, lead), active="0"),
                      f"t-eco-2,福田区生态环境第二管理局,ecology_environment_bureau,{DISTRICT},,,,,1,1")
    await _import(client, admin, units_csv)
    successor = await f.unit_id(app, "t-eco-2")
    after = await f.desk(client, app, case["id"])
    assert after["lead_unit"]["id"] == successor and after["status"] == "dispatched"
    assert f.active_units(after)[successor] == "lead" and lead not in f.active_units(after)
    event = after["timeline"][-1]
    assert (event["type"], event["from_status"], event["to_status"]) == ("reroute", "signed", "dispatched")
    assert event["data"]["previous_lead_unit_id"] == lead
    told = await f.told(app, case["id"], "reroute")
    assert told[successor] == "lead" and told[lead] == "previous_lead"
    assert (await client.get(f"/cases/{case['id']}", headers=staff)).status_code == 404
    new_staff = await f.login_as(app, "unit_staff", unit=successor)
    assert case["id"] in await _queue_ids(client, new_staff)
    await f.act_latest(client, new_staff, case["id"], "sign")


async def test_retiring_a_unit_no_one_can_replace_is_refused_and_writes_nothing(client, app):
    agent = await f.login_as(app, "agent")
    cases = [await f.case(client, agent) for _ in range(2)]
    police = await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    lead = cases[0]["lead_unit"]["id"]
    admin = await f.login_as(app, "admin")
    police_code, lead_code = await _code(app, police), await _code(app, lead)
    retire_both = _with(await _export_row(client, admin, police_code, active="0"),
                        (await _export_row(client, admin, lead_code, active="0")).splitlines()[1])
    versions = await _versions(app)

    dry = await _import(client, admin, retire_both, dry_run=True)
    problems = {(p["line"], p["column"], p["code"]) for p in dry["problems"]}
    assert problems == {(2, "active", "import_unit_cases_stranded"), (3, "active", "import_unit_cases_stranded")}
    assert police_code in dry["problems"][0]["message"] and "2" in dry["problems"][0]["message"]

    refused = await _import(client, admin, retire_both, expect=422)
    assert refused["code"] == "import_rejected" and len(refused["problems"]) == 2
    english = await client.post("/admin/imports", files=[("files", ("units.csv", retire_both.encode()))],
                                headers={**admin, "Accept-Language": "en"})
    assert "open case(s)" in english.json()["problems"][0]["message"]
    assert await _versions(app) == versions
    async with app.state.sessionmaker() as session:
        for unit_id in (police, lead):
            unit = await session.get(Unit, unit_id)
            assert unit is not None and unit.active
        held = (await session.execute(select(func.count()).select_from(Assignment).where(
            Assignment.unit_id == police, Assignment.active.is_(True)))).scalar_one()
    assert held == 2
    for case in cases:
        assert (await f.desk(client, app, case["id"]))["version"] == case["version"]
    # Routing still sees the units the refused import would have retired.
    fresh = await f.case(client, agent)
    assert fresh["lead_unit"]["id"] == lead and f.active_units(fresh)[police] == "co"


async def test_a_redo_after_the_lead_was_retired_goes_to_its_successor(client, app):
    """Found building the simulation's step: a replied case is not open, so retiring its lead (and a co-handler)
    leaves it as it is; a dissatisfied callback then sent the redo back to the retired unit and was refused
    (unit_inactive). The redo now goes to the unit the router names, and the retired co-handler leaves."""
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    lead = case["lead_unit"]["id"]
    police = await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    staff = await f.login_as(app, "unit_staff", unit=lead)
    case = await f.act(client, staff, case, "sign")
    case = await f.act(client, staff, case, "reply", {"text": "已责令工地夜间停工", "signer": "王科长",
                                                       "basis": "噪声条例第三十条"})
    admin = await f.login_as(app, "admin")
    units_csv = _with(await _export_row(client, admin, await _code(app, lead), active="0"),
                      (await _export_row(client, admin, await _code(app, police), active="0")).splitlines()[1],
                      f"t-eco-2,福田区生态环境第二管理局,ecology_environment_bureau,{DISTRICT},,,,,1,1",
                      _second_police())
    done = await _import(client, admin, units_csv)
    assert done["changes"]["units"]["open_cases_rerouted"] == 0  # replied: its units' work is done
    redone = await f.act_latest(client, agent, case["id"], "callback", {
        "reached": True, "solved": False, "satisfaction": "dissatisfied", "unit_at_fault": True})
    successor, second_police = await f.unit_id(app, "t-eco-2"), await f.unit_id(app, "t-ny-police-2")
    assert redone["status"] == "dispatched" and redone["lead_unit"]["id"] == successor
    event = redone["timeline"][-1]["data"]
    assert event["retired_lead_unit_id"] == lead and event["dropped_unit_ids"] == [police]
    active = f.active_units(redone)
    assert lead not in active and police not in active and active[successor] == "lead"
    assert second_police not in active  # a co-handler's successor is not named on a redo


async def test_a_redo_after_the_lead_moved_away_goes_to_the_unit_that_serves_the_place(client, app):
    """Found by the long simulation (seed 20261208): a replied case is not open, so moving its lead to another
    subdistrict leaves it as it is; a dissatisfied callback then sent the redo back to a station that no longer
    serves the place. The redo now goes to the unit the router names, as for a retired lead. A unit a dispatcher
    named is not held to the place: its redo comes back to it."""
    agent, dispatcher = await f.login_as(app, "agent"), await f.login_as(app, "dispatcher")
    police = await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    yuanling = await f.unit_by_kind(app, YUANLING_SUBDISTRICT, "police_station")
    routed = await f.case(client, agent, category="security.public_order")
    named = await f.case(client, agent, category="security.public_order")
    assert routed["lead_unit"]["id"] == named["lead_unit"]["id"] == police
    named = await f.act(client, dispatcher, named, "redispatch", {"unit_id": yuanling,
                                                                  "reason": "边界地段，由园岭派出所处置"})
    for case, unit in ((routed, police), (named, yuanling)):
        staff = await f.login_as(app, "unit_staff", unit=unit)
        case = await f.act_latest(client, staff, case["id"], "sign")
        await f.act(client, staff, case, "reply", {"text": "已到场处置", "signer": "李警官", "basis": "治安管理处罚法"})
    admin = await f.login_as(app, "admin")
    moved_csv = _with(await _export_row(client, admin, await _code(app, police), region_code=YUANLING_SUBDISTRICT),
                      _second_police())
    done = await _import(client, admin, moved_csv)
    assert done["changes"]["units"].get("open_cases_rerouted", 0) == 0  # replied: the station's work is done
    unsolved = {"reached": True, "solved": False, "satisfaction": "dissatisfied", "unit_at_fault": True}

    redone = await f.act_latest(client, agent, routed["id"], "callback", unsolved)
    successor = await f.unit_id(app, "t-ny-police-2")
    assert redone["status"] == "dispatched" and redone["lead_unit"]["id"] == successor
    event = redone["timeline"][-1]["data"]
    assert event["moved_lead_unit_id"] == police and "retired_lead_unit_id" not in event
    assert police not in f.active_units(redone)
    assert (await f.told(app, routed["id"], "callback")).get(successor) == "lead"

    again = await f.act_latest(client, agent, named["id"], "callback", unsolved)
    assert again["status"] == "dispatched" and again["lead_unit"]["id"] == yuanling
    assert "moved_lead_unit_id" not in again["timeline"][-1]["data"]


async def test_a_redo_after_a_co_handler_moved_away_leaves_it_out(client, app):
    """Beside violation 8 of the simulation: a co-handler the router chose that an import then moved to another
    subdistrict stayed on the replied case, and a dissatisfied callback handed the redo back to it as well, a
    station that no longer serves the place. It now leaves on the redo, as a retired co-handler does (no one names
    a successor on a redo); a co-handler a dispatcher added is not held to the place and stays."""
    agent, dispatcher = await f.login_as(app, "agent"), await f.login_as(app, "dispatcher")
    case = await f.case(client, agent)  # noise in 南园: the ecology bureau leads, urban management and police help
    lead, police = case["lead_unit"]["id"], await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    yuanling = await f.unit_by_kind(app, YUANLING_SUBDISTRICT, "police_station")
    case = await f.act(client, dispatcher, case, "add_co_handler",
                       {"unit_id": yuanling, "reason": "边界地段，联合处置"})
    helpers = {u for u, role in f.active_units(case).items() if role == "co"}
    assert {police, yuanling} <= helpers
    staff = await f.login_as(app, "unit_staff", unit=lead)
    case = await f.act(client, staff, case, "sign")
    await f.act(client, staff, case, "reply", {"text": "已责令工地夜间停工", "signer": "王科长",
                                              "basis": "噪声条例第三十条"})
    admin = await f.login_as(app, "admin")
    moved_csv = _with(await _export_row(client, admin, await _code(app, police), region_code=YUANLING_SUBDISTRICT),
                      _second_police())
    done = await _import(client, admin, moved_csv)
    assert done["changes"]["units"].get("open_cases_rerouted", 0) == 0  # replied: its units' work is done
    police_staff = await f.login_as(app, "unit_staff", unit=police)
    assert (await client.get(f"/cases/{case['id']}", headers=police_staff)).status_code == 200

    redone = await f.act_latest(client, agent, case["id"], "callback", {
        "reached": True, "solved": False, "satisfaction": "dissatisfied", "unit_at_fault": True})
    assert redone["status"] == "dispatched" and redone["lead_unit"]["id"] == lead
    event = redone["timeline"][-1]["data"]
    assert event["dropped_unit_ids"] == [police] and event["moved_co_unit_ids"] == [police]
    assert "moved_lead_unit_id" not in event and "retired_lead_unit_id" not in event
    active = f.active_units(redone)
    assert active == {lead: "lead", **{u: "co" for u in helpers - {police}}}  # the dispatcher's choice stays
    assert await f.unit_id(app, "t-ny-police-2") not in active  # no successor named on a redo
    assert (await f.told(app, case["id"], "callback")).get(police) == "dropped"
    assert (await client.get(f"/cases/{case['id']}", headers=police_staff)).status_code == 404
    assert case["id"] not in await _queue_ids(client, police_staff)


async def _export_category(client, admin, code: str, **changes: str) -> str:
    r = await client.get("/admin/exports/categories.csv", headers=admin)
    rows = list(csv.DictReader(io.StringIO(r.content.decode("utf-8-sig"))))
    row = {**next(r for r in rows if r["code"] == code), **changes}
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0].keys()), lineterminator="\n")
    writer.writeheader()
    writer.writerow(row)
    return out.getvalue()


async def test_a_retired_category_stays_on_its_open_cases_and_new_cases_cannot_take_it(client, app):
    """Retiring a category keeps it on the cases filed under it: they show its name, a change of place routes
    them again under it, and a unit holding them can be retired; new cases (and a change to it) are refused."""
    agent, dispatcher = await f.login_as(app, "agent"), await f.login_as(app, "dispatcher")
    case = await f.case(client, agent)
    admin = await f.login_as(app, "admin")
    r = await client.post("/admin/imports", headers=admin, files=[("files", (
        "categories.csv", (await _export_category(client, admin, "env.noise", active="0")).encode()))])
    assert r.status_code == 200, r.text
    refused = await client.post("/cases", json={**f.NOISE_CASE}, headers=agent)
    assert refused.status_code == 422 and refused.json()["code"] == "category_not_found"
    shown = await f.desk(client, app, case["id"])
    assert shown["category"] == case["category"]  # its name still shown
    moved = await client.patch(f"/cases/{case['id']}", json={"region_code": "440304002017", "reason": "地址更正"},
                               headers={**dispatcher, "If-Match": f'"{shown["version"]}"'})
    assert moved.status_code == 200, moved.text
    assert moved.json()["category"]["code"] == "env.noise" and moved.json()["timeline"][-1]["type"] == "reroute"
    other = await f.case(client, agent, category="env.air", description="餐馆油烟直排")
    to_retired = await client.patch(f"/cases/{other['id']}", json={"category": "env.noise", "reason": "改类"},
                                    headers={**dispatcher, "If-Match": f'"{other["version"]}"'})
    assert to_retired.status_code == 422 and to_retired.json()["code"] == "category_not_found"
    # The lead of the retired category's case can still be retired: its case is routed again under it.
    lead = moved.json()["lead_unit"]["id"]
    units_csv = _with(await _export_row(client, admin, await _code(app, lead), active="0"),
                      f"t-eco-2,福田区生态环境第二管理局,ecology_environment_bureau,{DISTRICT},,,,,1,1")
    done = await _import(client, admin, units_csv)
    assert done["changes"]["units"]["open_cases_rerouted"] >= 1
    assert (await f.desk(client, app, case["id"]))["lead_unit"]["id"] == await f.unit_id(app, "t-eco-2")


YUANLING_SUBDISTRICT = "440304002000"


async def test_a_unit_moved_elsewhere_hands_over_the_cases_it_no_longer_serves(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)  # noise in 南园: the 南园 police station co-handles it
    police = await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    assert f.active_units(case)[police] == "co"
    old_staff = await f.login_as(app, "unit_staff", unit=police)
    admin = await f.login_as(app, "admin")
    code = await _code(app, police)

    # A new phone is no move: the case keeps its routing and nothing is written on it.
    same = await _import(client, admin, await _export_row(client, admin, code, phone="0755-83330000"))
    assert "open_cases_rerouted" not in same["changes"]["units"]
    assert (await f.desk(client, app, case["id"]))["version"] == case["version"]

    moved_csv = _with(await _export_row(client, admin, code, region_code=YUANLING_SUBDISTRICT), _second_police())
    dry = await _import(client, admin, moved_csv, dry_run=True)
    assert dry["changes"]["units"].get("open_cases_rerouted") == 1, dry
    assert (await f.desk(client, app, case["id"]))["version"] == case["version"]

    done = await _import(client, admin, moved_csv)
    assert done["changes"]["units"]["open_cases_rerouted"] == 1
    successor = await f.unit_id(app, "t-ny-police-2")
    after = await f.desk(client, app, case["id"])
    assert f.active_units(after) == {**{u: r for u, r in f.active_units(case).items() if u != police}, successor: "co"}
    event = after["timeline"][-1]
    assert event["type"] == "reroute" and event["reason"].startswith("单位辖区或类型调整")
    assert event["data"]["moved_unit_ids"] == [police] and event["data"]["retired_unit_ids"] == []
    told = await f.told(app, case["id"], "reroute")
    assert told[police] == "dropped" and told[successor] == "co"
    assert (await client.get(f"/cases/{case['id']}", headers=old_staff)).status_code == 404
    assert case["id"] not in await _queue_ids(client, old_staff)

    # A new case in 南园 goes to the station that serves 南园 now, not to the one that moved away.
    fresh = await f.case(client, agent)
    assert police not in f.active_units(fresh) and f.active_units(fresh).get(successor) == "co"


async def test_moving_a_unit_no_one_can_replace_is_refused_and_writes_nothing(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    police = await f.unit_by_kind(app, NANYUAN_SUBDISTRICT, "police_station")
    admin = await f.login_as(app, "admin")
    code = await _code(app, police)
    moved_csv = await _export_row(client, admin, code, region_code=YUANLING_SUBDISTRICT)
    versions = await _versions(app)

    dry = await _import(client, admin, moved_csv, dry_run=True)
    assert [(p["line"], p["column"], p["code"]) for p in dry["problems"]] == [
        (2, "region_code", "import_unit_move_strands_cases")]
    assert code in dry["problems"][0]["message"] and "调整" in dry["problems"][0]["message"]
    refused = await _import(client, admin, moved_csv, expect=422)
    assert refused["code"] == "import_rejected"
    english = await client.post("/admin/imports", files=[("files", ("units.csv", moved_csv.encode()))],
                                headers={**admin, "Accept-Language": "en"})
    assert english.json()["problems"][0]["message"].startswith(f"Moving {code}")
    assert await _versions(app) == versions
    async with app.state.sessionmaker() as session:
        unit = await session.get(Unit, police)
        assert unit is not None and unit.region_code == NANYUAN_SUBDISTRICT
    assert (await f.desk(client, app, case["id"]))["version"] == case["version"]
