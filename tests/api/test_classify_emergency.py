"""/hotline/classify hears an emergency while the agent types (#31): the console's red banner before filing."""

from tests import factories as f


async def test_classify_carries_the_emergency_and_its_handoffs(client, app):
    agent = await f.login_as(app, "agent")
    body = (await client.post("/hotline/classify", headers=agent,
                              json={"text": "楼道里有很浓的煤气味，邻居家好像漏气了"})).json()
    em = body["emergency"]
    assert em["hazards"] == ["gas"] and "煤气味" in em["matched"]
    assert em["handoffs"][0]["script"] and em["handoffs"][0]["script_en"]
    assert any(s["number"] == "119" for s in em["handoffs"][0]["services"])


async def test_classify_of_an_ordinary_matter_has_no_emergency(client, app):
    agent = await f.login_as(app, "agent")
    body = (await client.post("/hotline/classify", headers=agent,
                              json={"text": "公司拖欠我们三个月工资了，老板电话也不接"})).json()
    assert body["emergency"] is None and len(body["suggestions"]) == 3
