"""Life-safety calls are recognised from the caller's words: critical, the hand-off to make now, the top of every
queue and the live feed; a past or negated matter is not an emergency; an agent's urgency is never lowered."""

from datetime import datetime, timedelta

from tests import factories as f

CALL = {"caller_phone": "13800138000", "work_order_type": "求助", "address": "福田区园岭街道红荔社区红荔路1001号"}


async def _call(client, agent, description: str, **extra) -> dict:
    r = await client.post("/hotline/orders", json={**CALL, "description": description, **extra}, headers=agent)
    assert r.status_code == 201, r.text
    return r.json()


def _due(case: dict) -> datetime:
    return datetime.fromisoformat(case["deadlines"]["handle_due"].replace("Z", "+00:00"))


async def test_violence_in_progress_is_critical_with_the_hand_off_to_110(client, app, clock):
    agent = await f.login_as(app, "agent")
    calm = await _call(client, agent, "小区门口的路灯坏了好几天了，晚上黑漆漆的，麻烦派人来修一下")
    order = await _call(client, agent, "我老公喝醉了在打我，我现在躲在厕所里")
    assert order["urgency"] == "critical" and order["intake"]["urgency_raised"] is True
    emergency = order["intake"]["emergency"]
    assert emergency["hazards"] == ["violence"]
    assert "110" in [s["number"] for h in emergency["handoffs"] for s in h["services"]]
    assert emergency["handoffs"][0]["script"] and emergency["handoffs"][0]["script_en"]
    assert _due(order) <= clock.now() + timedelta(hours=2)  # the profile's critical limit
    lead = await f.login_as(app, "unit_staff", unit=order["lead_unit"]["id"])
    queue = (await client.get("/cases", headers=lead)).json()["items"]
    assert queue[0]["id"] == order["id"]
    feed = (await client.get("/feed/events", params={"after": 0}, headers=agent)).json()["items"]
    assert any(e["case"]["id"] == order["id"] and e["case"]["urgency"] == "critical" for e in feed)
    assert calm["urgency"] == "normal" and calm["intake"]["emergency"] is None


async def test_a_gas_leak_hands_off_to_the_gas_company(client, app):
    agent = await f.login_as(app, "agent")
    order = await _call(client, agent, "楼道里一股很浓的煤气味，好像是隔壁在漏气，门敲不开")
    assert order["urgency"] == "critical"
    # A door no one answers beside a leak may hide someone overcome by it: 120 is named beside the gas company.
    assert order["intake"]["emergency"]["hazards"] == ["gas", "medical"]
    assert order["intake"]["emergency"]["handoffs"][0]["hazard"] == "gas"


async def test_a_past_leak_or_a_question_is_not_an_emergency(client, app):
    agent = await f.login_as(app, "agent")
    for words in ("上个月燃气泄漏已经修好了，想问赔偿怎么申请", "没有闻到煤气味，就是想问燃气费怎么交",
                  "万一家里着火了应该怎么逃生，社区有没有培训"):
        order = await _call(client, agent, words, work_order_type="咨询")
        assert order["urgency"] == "normal" and order["intake"]["emergency"] is None, words


async def test_the_words_raise_an_agents_urgency_and_never_lower_it(client, app):
    agent = await f.login_as(app, "agent")
    raised = await _call(client, agent, "我妈突然倒在地上叫不醒了，嘴唇发紫", urgency="urgent")
    assert (raised["urgency"], raised["intake"]["urgency_raised"]) == ("critical", True)
    kept = await _call(client, agent, "这栋楼外墙瓷砖松动，担心会掉下来砸到人", urgency="critical")
    assert (kept["urgency"], kept["intake"]["urgency_raised"]) == ("critical", False)
    chosen = await _call(client, agent, "小区路灯坏了好几天，麻烦派人来修", urgency="urgent")
    assert chosen["urgency"] == "urgent"


async def test_a_resident_reporting_danger_in_the_app_is_told_whom_to_call_now(client, app):
    resident = await f.login_as(app, "resident", username="13900139888")
    body = {"work_order_type": "help", "address": "福田区园岭街道红荔社区红荔路1001号"}
    danger = await client.post("/reports", json={**body, "description": "我老公喝醉了在打我，我现在躲在厕所里"},
                               headers=resident)
    assert danger.status_code == 201, danger.text
    told = danger.json()["call_now"]
    assert [c["number"] for c in told] == ["110"] and "110" in told[0]["say"] and "危险" in told[0]["say"]
    english = await client.post("/reports", headers={**resident, "Accept-Language": "en"},
                                json={**body, "description": "楼道里一股很浓的煤气味，好像是隔壁在漏气，门敲不开"})
    assert english.status_code == 201, english.text
    assert english.json()["call_now"] and all(c["say"].startswith("If you are in danger now")
                                              for c in english.json()["call_now"])
    calm = await client.post("/reports", headers=resident,
                             json={**body, "description": "上个月燃气泄漏已经修好了，想问赔偿怎么申请"})
    assert calm.status_code == 201 and calm.json()["call_now"] is None
    later = (await client.get(f"/cases/{danger.json()['id']}", headers=resident)).json()
    assert later["call_now"] is None  # told once, at filing; the case page shows the case
