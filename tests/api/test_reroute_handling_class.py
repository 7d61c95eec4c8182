"""Found by the simulation (#25, handling_due_is_fresh): re-routed to a category handled as complex by the same
lead, the case kept the standard limit's due. A longer class's limit now counts from the dispatch; a shorter one
never takes back time the unit had."""

from tests import factories as f

DRAINAGE = {"category": "municipal.drainage", "description": "雨后路面积水，下水道堵塞排不出去",
            "region_code": "440304001020", "address": "南园社区某小区"}


async def test_a_complex_category_with_the_same_lead_gets_the_longer_limit(client, app):
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    case = await f.case(client, agent, **DRAINAGE)
    assert case["handling_class"] == "standard" and case["deadlines"]["handle_due"] == "2026-11-30T15:59:59Z"
    r = await client.patch(f"/cases/{case['id']}", json={"category": "municipal.flooding", "reason": "核实为内涝"},
                           headers={**dispatcher, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["lead_unit"]["id"] == case["lead_unit"]["id"] and body["handling_class"] == "complex"
    assert body["deadlines"]["handle_due"] == "2026-12-14T15:59:59Z"  # 15 working days from Mon 23 Nov
    event = body["timeline"][-1]["data"]["handling_class"]
    assert (event["from"], event["to"]) == ("standard", "complex")

    r = await client.patch(f"/cases/{case['id']}", json={"category": "municipal.drainage", "reason": "改回"},
                           headers={**dispatcher, "If-Match": f'"{body["version"]}"'})
    assert r.status_code == 200 and r.json()["deadlines"]["handle_due"] == "2026-12-14T15:59:59Z"
