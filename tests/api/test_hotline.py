"""Hotline intake, residents' reports, classification, duplicates, caller history, direct answers."""

from sqlalchemy import func, select

from app.models import Case, CaseEvent, ClassifierFeedback
from tests import factories as f

CALL = f.HOTLINE_CALL


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_an_agent_logs_a_realistic_call_in_one_request(client, app):
    agent = await f.login_as(app, "agent")
    response = await client.post("/hotline/orders", json=CALL, headers={**agent, "Idempotency-Key": "call-1"})
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["category"]["code"] == "env.noise" and order["intake"]["category_suggested"] is True
    assert order["location"]["region_code"] == "440304002016"  # 红荔社区
    assert order["intake"]["region_resolved"] is True and order["intake"]["address"]["level"] == "community"
    assert order["work_order_type"] == "complaint" and order["status"] == "dispatched"
    assert order["lead_unit"]["kind"] == "ecology_environment_bureau"
    assert order["routing"]["trace"] and order["routing"]["lead_unit_id"] == order["lead_unit"]["id"]
    assert order["deadlines"]["handle_due"] and order["similar"] == []
    assert len(order["intake"]["classification"]) == 3
    assert order["requester"]["phone"] == "138****8000"
    # Double click: the same answer, one case.
    again = await client.post("/hotline/orders", json=CALL, headers={**agent, "Idempotency-Key": "call-1"})
    assert again.status_code == 201 and again.json()["id"] == order["id"]
    assert await _count(app, Case) == 1
    # A second caller about the same site: the first order is the likely duplicate.
    second = await client.post("/hotline/orders", headers=agent, json={
        **CALL, "caller_phone": "0755-8300-1234", "description": "红荔路那个工地半夜打桩，噪音太大了，睡不着"})
    similar = second.json()["similar"]
    assert [s["case"]["id"] for s in similar] == [order["id"]] and 0 < similar[0]["score"] <= 1
    listed = (await client.get(f"/cases/{order['id']}/similar", headers=agent)).json()
    assert [s["case"]["id"] for s in listed] == [second.json()["id"]]


async def test_duplicates_rank_by_words_and_respect_place_and_category(client, app):
    agent = await f.login_as(app, "agent")
    base = {"caller_phone": "13800138001", "work_order_type": "complaint", "region_code": "440304001020",
            "category": "env.noise"}
    close = (await client.post("/hotline/orders", headers=agent, json={
        **base, "description": "小区门口的酒吧每天凌晨还在放音乐，声音特别大"})).json()
    far = (await client.post("/hotline/orders", headers=agent, json={
        **base, "description": "楼上邻居装修电钻声音持续一整天"})).json()
    await client.post("/hotline/orders", headers=agent, json={
        **base, "region_code": "440305007003", "description": "酒吧凌晨放音乐声音很大"})  # another community
    await client.post("/hotline/orders", headers=agent, json={
        **base, "category": "city.sanitation", "description": "酒吧门口垃圾凌晨没人收"})  # another category
    new = (await client.post("/hotline/orders", headers=agent, json={
        **base, "description": "酒吧凌晨放音乐太吵了，声音大得睡不着"})).json()
    ranked = [(s["case"]["id"], s["score"]) for s in new["similar"]]
    assert [i for i, _ in ranked] == [close["id"], far["id"]]
    assert ranked[0][1] > ranked[1][1]


async def test_within_250_metres_counts_across_communities(client, app):
    agent = await f.login_as(app, "agent")
    base = {"caller_phone": "13800138002", "work_order_type": "complaint", "category": "env.noise",
            "description": "路口的工地夜间施工噪声很大"}
    a = (await client.post("/hotline/orders", headers=agent, json={
        **base, "region_code": "440304001020", "latitude": 22.5450, "longitude": 114.0870})).json()
    await client.post("/hotline/orders", headers=agent, json={  # a's community, 500 m from b
        **base, "region_code": "440304001020", "latitude": 22.5505, "longitude": 114.0875})
    b = (await client.post("/hotline/orders", headers=agent, json={  # about 120 m from a
        **base, "region_code": "440304001026", "latitude": 22.5460, "longitude": 114.0875})).json()
    assert [s["case"]["id"] for s in b["similar"]] == [a["id"]] and b["similar"][0]["same_community"] is False
    assert 100 < b["similar"][0]["distance_m"] < 150


async def test_intake_bad_input_writes_nothing(client, app):
    agent = await f.login_as(app, "agent")
    cases = [
        ({**CALL, "work_order_type": "闲聊"}, "validation_failed"),
        ({**CALL, "description": ""}, "validation_failed"),
        ({**CALL, "description": "吵" * 10_000}, "validation_failed"),
        ({**CALL, "description": "太吵了"}, "elements_missing"),
        ({k: v for k, v in CALL.items() if k != "address"}, "elements_missing"),
        ({**CALL, "address": "火星基地一号"}, "address_unresolved"),
        ({**CALL, "address": "新华社区"}, "address_ambiguous"),
        ({**CALL, "address": "福田区园岭街道"}, "address_not_precise"),
        ({**CALL, "latitude": 39.9, "longitude": 116.4}, "coordinates_outside_city"),
        ({**CALL, "latitude": 22.54}, "validation_failed"),
        ({**CALL, "caller_phone": "12345"}, "caller_phone_invalid"),
        ({**CALL, "caller_phone": "0123456789"}, "caller_phone_invalid"),
        ({**CALL, "category": "env.nothing"}, "category_not_found"),
        ({**CALL, "region_code": "440304999999"}, "region_not_found"),
        ({**CALL, "urgency": "yesterday"}, "validation_failed"),
        ({**CALL, "answer_with_article": "kb-nope"}, "article_not_found"),
    ]
    for body, code in cases:
        response = await client.post("/hotline/orders", json=body, headers=agent)
        assert response.status_code == 422 and response.json()["code"] == code, (body, response.text)
    ambiguous = await client.post("/hotline/orders", json={**CALL, "address": "新华社区"}, headers=agent)
    assert {c["path"] for c in ambiguous.json()["candidates"]} == {"深圳市福田区沙头街道新华社区",
                                                                    "深圳市南山区沙河街道新华社区"}
    missing = await client.post("/hotline/orders", json={**CALL, "description": "太吵了"}, headers=agent)
    assert missing.json()["missing"] == ["how"]
    assert await _count(app, Case) == 0 and await _count(app, CaseEvent) == 0
    resident = await f.login_as(app, "resident")
    assert (await client.post("/hotline/orders", json=CALL, headers=resident)).status_code == 403


async def test_agent_override_is_recorded_for_training(client, app):
    agent = await f.login_as(app, "agent")
    body = {**CALL, "category": "city.illegal_construction"}
    order = (await client.post("/hotline/orders", json=body, headers=agent)).json()
    assert order["category"]["code"] == "city.illegal_construction"
    assert order["intake"]["category_suggested"] is False
    async with app.state.sessionmaker() as session:
        fb = (await session.execute(select(ClassifierFeedback))).scalar_one()
    assert fb.chosen == "city.illegal_construction" and fb.suggested[0]["category"] == "env.noise"
    assert fb.case_id == order["id"]


async def test_resident_reports_through_the_same_routing(client, app):
    resident = await f.login_as(app, "resident", username="13900139123")
    response = await client.post("/reports", headers=resident, json={
        "work_order_type": "求助", "description": "小区电梯困人了，按了警铃半天没人来",
        "address": "南山区粤海街道科技园社区"})
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["channel"] == "app" and order["status"] == "dispatched" and order["status_label"] == "已派发"
    assert order["location"]["region_code"] == "440305007003"
    assert order["category"]["code"].startswith("housing.")
    agent = await f.login_as(app, "agent")
    desk = (await client.get(f"/cases/{order['id']}", headers=agent)).json()
    assert desk["requester"]["user_id"] and "routing" not in order and "similar" not in order
    assert (await client.post("/reports", headers=agent, json={
        "work_order_type": "help", "description": "电梯坏了好几天没人修", "address": "科技园社区"})).status_code == 403


async def test_classify_answers_three_with_reasons(client, app):
    agent = await f.login_as(app, "agent")
    body = (await client.post("/hotline/classify", headers=agent,
                              json={"text": "公司拖欠我们三个月工资了，老板电话也不接"})).json()
    top = body["suggestions"]
    assert len(top) == 3 and top[0]["category"]["code"].startswith("labour.wages")
    assert top[0]["score"] >= top[1]["score"] >= top[2]["score"]
    assert any("工资" in r or "拖欠" in r for r in top[0]["reasons"])
    assert (await client.post("/hotline/classify", headers=agent, json={"text": ""})).status_code == 422
    assert (await client.post("/hotline/classify", headers=agent, json={"txt": "x"})).status_code == 422


async def test_caller_history_by_keyed_hash(client, app):
    agent = await f.login_as(app, "agent")
    for phone in ("13800138000", "138-0013-8000", "13911112222"):
        await client.post("/hotline/orders", json={**CALL, "caller_phone": phone}, headers=agent)
    history = (await client.post("/hotline/callers/orders", json={"phone": "13800138000"}, headers=agent)).json()
    assert len(history["items"]) == 2 and all(i["caller_phone"] == "138****8000" for i in history["items"])
    async with app.state.sessionmaker() as session:
        hashes = set((await session.execute(select(Case.caller_phone_hash))).scalars())
    assert len(hashes) == 2 and not any("13800138000" in h for h in hashes)
    bad = await client.post("/hotline/callers/orders", json={"phone": "12ab"}, headers=agent)
    assert bad.status_code == 422 and bad.json()["code"] == "caller_phone_invalid"
    resident = await f.login_as(app, "resident")
    assert (await client.post("/hotline/callers/orders", json={"phone": "13800138000"},
                              headers=resident)).status_code == 403
    missing = await client.post("/hotline/callers/orders", json={"limit": 0}, headers=agent)
    assert missing.status_code == 422 and {e["field"] for e in missing.json()["errors"]} >= {"phone", "limit"}


async def test_consultation_answered_from_the_knowledge_base(client, app):
    agent = await f.login_as(app, "agent")
    hits = (await client.get("/knowledge/search", params={"q": "电梯困人了打什么电话"}, headers=agent)).json()
    assert hits["items"] and "96333" in hits["items"][0]["article"]["answer"]
    code = hits["items"][0]["article"]["code"]
    response = await client.post("/hotline/orders", headers=agent, json={
        "caller_phone": "13800138009", "work_order_type": "咨询", "description": "电梯困人了应该打什么电话求救？",
        "address": "南山区粤海街道科技园社区", "answer_with_article": code})
    assert response.status_code == 201, response.text
    order = response.json()
    assert order["status"] == "replied" and order["direct_answer"] is True and order["lead_unit"] is None
    assert order["reply"]["article"]["code"] == code and order["deadlines"]["callback_due"]
    assert [e["type"] for e in order["timeline"]] == ["create", "direct_answer"]
    assert order["timeline"][-1]["data"]["article"]["code"] == code
    closed = await f.act(client, agent, order, "callback", {"reached": True, "solved": True,
                                                            "satisfaction": "satisfied"})
    assert closed["status"] == "closed"
