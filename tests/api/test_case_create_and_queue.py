from sqlalchemy import func, select

from app.models import Case
from tests import factories as f


async def count_cases(app) -> int:
    async with app.state.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(Case))).scalar_one()


async def test_create_bad_input_writes_nothing(client, app):
    agent = await f.login_as(app, "agent")
    bad = [
        ({"category": "nope"}, 422, "category_not_found"),
        ({"category": "env"}, 422, "category_not_leaf"),
        ({"region_code": "440304999999"}, 422, "region_not_found"),
        ({"region_code": "440304001000"}, 422, "region_not_community"),
        ({"region_code": "44030400"}, 422, "validation_failed"),
        ({"work_order_type": "rant"}, 422, "validation_failed"),
        ({"urgency": 3}, 422, "validation_failed"),
        ({"description": ""}, 422, "validation_failed"),
        ({"description": "x" * 4001}, 422, "validation_failed"),
        ({"kind": "spaceship"}, 422, "kind_unknown"),
        ({"caller_phone": "12"}, 422, "caller_phone_invalid"),
        ({"latitude": 22.5}, 422, "validation_failed"),
        ({"colour": "red"}, 422, "validation_failed"),
        ({"payload": {"x": 1}}, 422, "validation_failed"),
    ]
    for change, status, code in bad:
        r = await client.post("/cases", json={**f.NOISE_CASE, **change}, headers=agent)
        assert (r.status_code, r.json()["code"]) == (status, code), (change, r.text)
    assert await count_cases(app) == 0
    unit_staff = await f.login_as(app, "unit_staff", unit=await f.unit_by_kind(app, "440304000000", "health_bureau"))
    assert (await client.post("/cases", json=f.NOISE_CASE, headers=unit_staff)).status_code == 403
    assert (await client.post("/cases", json=f.NOISE_CASE)).status_code == 401
    assert await count_cases(app) == 0


async def test_numbers_are_per_district_and_day(client, app, clock):
    agent = await f.login_as(app, "agent")
    a = await f.case(client, agent)
    b = await f.case(client, agent)
    c = await f.case(client, agent, region_code="440305007003")
    assert [a["number"], b["number"], c["number"]] == [
        "440304-20261123-000001", "440304-20261123-000002", "440305-20261123-000001"]
    clock.advance(days=1)
    assert (await f.case(client, agent))["number"] == "440304-20261124-000001"


async def test_fallback_to_district_government(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, category="other.other", work_order_type="other")
    assert case["routing_fallback"] is True
    assert case["lead_unit"]["kind"] == "district_government"


async def test_queue_filters_sort_and_pages(client, app, clock):
    agent = await f.login_as(app, "agent")
    made = []
    for wot in ["complaint", "consultation", "complaint", "help", "consultation"]:
        made.append(await f.case(client, agent, work_order_type=wot))
        clock.advance(minutes=5)
    await f.case(client, agent, hold=True)
    eco = made[0]["lead_unit"]["id"]
    queue = await f.login_as(app, "unit_staff", unit=eco)
    seen = await f.all_pages(client, "/cases", {"limit": 2}, queue)
    assert len(seen) == 5 and len({c["id"] for c in seen}) == 5
    dues = [c["handle_due"] for c in seen]
    assert dues == sorted(dues)
    # Agents see the held (undated) case after the dated ones.
    everything = await f.all_pages(client, "/cases", {"limit": 4}, agent)
    assert len(everything) == 6 and everything[-1]["status"] == "received"
    newest = (await client.get("/cases", params={"sort": "created", "limit": 1}, headers=agent)).json()
    assert newest["items"][0]["status"] == "received" and newest["next_cursor"]
    held = (await client.get("/cases", params={"status": "received"}, headers=agent)).json()["items"]
    assert len(held) == 1
    assert (await client.get("/cases", params={"status": "bogus"}, headers=agent)).status_code == 422
    by_unit = (await client.get("/cases", params={"unit": eco}, headers=agent)).json()["items"]
    assert len(by_unit) == 5
    by_group = (await client.get("/cases", params={"category": "env"}, headers=agent)).json()["items"]
    assert len(by_group) == 6
    clock.advance(days=30)
    late = (await client.get("/cases", params={"overdue": "true", "limit": 100}, headers=agent)).json()["items"]
    assert len(late) == 5 and all(c["overdue"] for c in late)
    r = await client.get("/cases", params={"cursor": "bm9wZQ"}, headers=agent)
    assert r.status_code == 400 and r.json()["code"] == "cursor_invalid"
    r = await client.get("/cases", params={"due_before": "2026-12-01T00:00:00"}, headers=agent)
    assert r.status_code == 422
