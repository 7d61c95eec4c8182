"""The whole loop through HTTP: create, route, sign, return, re-dispatch, extend, reply, close."""

from sqlalchemy import func, select

from app.models import AuditLog, Case, CaseEvent
from tests import factories as f

NANYUAN = "440304001000"


async def staff(app):
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    eco = await f.unit_by_kind(app, "440304000000", "ecology_environment_bureau")
    urban = await f.unit_by_kind(app, "440304000000", "urban_management_bureau")
    return agent, dispatcher, eco, urban


async def test_full_loop_on_the_timeline(client, app, clock):
    agent, dispatcher, eco, urban = await staff(app)
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    urban_staff = await f.login_as(app, "unit_staff", unit=urban)

    case = await f.case(client, agent)
    assert case["status"] == "dispatched" and case["number"] == "440304-20261123-000001"
    assert case["lead_unit"]["id"] == eco
    assert case["deadlines"]["handle_due"] == "2026-11-30T15:59:59Z"  # 5 working days, Shanghai profile
    trace = case["timeline"][1]["data"]["trace"]
    assert any("选用" in step["text"] for step in trace)

    case = await f.act(client, eco_staff, case, "sign")
    assert case["status"] == "signed" and "return" in case["allowed_actions"]
    case = await f.act(client, eco_staff, case, "return", {"reason": "施工噪声属城管执法范围",
                                                            "legal_basis": "《深圳经济特区环境噪声污染防治条例》",
                                                            "suggested_unit_id": urban})
    assert case["status"] == "return_review"
    case = await f.act(client, dispatcher, case, "accept_return", {})
    assert case["status"] == "dispatched" and case["lead_unit"]["id"] == urban
    # The returning unit leaves the case; it can no longer see it.
    assert (await client.get(f"/cases/{case['id']}", headers=eco_staff)).status_code == 404

    clock.advance(hours=1)
    case = await f.act(client, urban_staff, case, "sign")
    case = await f.act(client, urban_staff, case, "start")
    before = case["deadlines"]["handle_due"]
    case = await f.act(client, urban_staff, case, "request_extension",
                       {"days": 3, "reason": "需联合夜查", "basis": "办理规范第十条"})
    assert case["extension_request"]["days"] == 3
    case = await f.act(client, dispatcher, case, "approve_extension", {})
    assert case["deadlines"]["extension_days_granted"] == 3 and case["deadlines"]["handle_due"] > before
    case = await f.act(client, urban_staff, case, "reply", {"text": "已责令工地夜间停工，并立案处罚",
                                                             "signer": "王科长", "basis": "噪声条例第三十条"})
    assert case["status"] == "replied" and case["deadlines"]["callback_due"]
    case = await f.act(client, agent, case, "close", {})
    assert case["status"] == "closed" and case["allowed_actions"] == []

    types = [e["type"] for e in case["timeline"]]
    assert types == ["create", "dispatch", "sign", "return", "accept_return", "sign", "start",
                     "request_extension", "approve_extension", "reply", "close"]
    assert all(e["actor_user_id"] for e in case["timeline"])
    assert case["version"] == 10  # created and dispatched in one request, then nine actions


async def test_second_unit_cannot_see_and_residents_see_only_their_own(client, app):
    agent, _, eco, _ = await staff(app)
    case = await f.case(client, agent)
    other_unit = await f.unit_by_kind(app, "440305000000", "ecology_environment_bureau")
    outsider = await f.login_as(app, "unit_staff", unit=other_unit)
    r = await client.get(f"/cases/{case['id']}", headers=outsider)
    assert r.status_code == 404 and r.json()["code"] == "case_not_found"
    assert (await client.get("/cases", headers=outsider)).json()["items"] == []
    r = await f.act(client, outsider, case, "sign", expect=404)
    resident = await f.login_as(app, "resident", username="13700001111")
    mine = await client.post("/cases", json={**f.NOISE_CASE, "caller_phone": None}, headers=resident)
    assert mine.status_code == 201 and mine.json()["channel"] == "app"
    listed = (await client.get("/cases", headers=resident)).json()["items"]
    assert [c["id"] for c in listed] == [mine.json()["id"]]
    assert (await client.get(f"/cases/{case['id']}", headers=resident)).status_code == 404


async def test_district_centre_sees_only_its_district(client, app):
    futian_centre = await f.unit_by_kind(app, "440304000000", "hotline_centre")
    nanshan_centre = await f.unit_by_kind(app, "440305000000", "hotline_centre")
    futian_agent = await f.login_as(app, "agent", unit=futian_centre)
    nanshan_agent = await f.login_as(app, "agent", unit=nanshan_centre)
    case = await f.case(client, futian_agent)
    assert (await client.get(f"/cases/{case['id']}", headers=nanshan_agent)).status_code == 404
    r = await client.post("/cases", json=f.NOISE_CASE, headers=nanshan_agent)
    assert r.status_code == 422 and r.json()["code"] == "region_outside_scope"


async def test_lists_mask_phones_and_reveal_is_audited(client, app):
    agent, _, eco, _ = await staff(app)
    case = await f.case(client, agent)
    listed = (await client.get("/cases", headers=agent)).json()["items"][0]
    assert listed["caller_phone"] == "138****8000"
    assert case["requester"]["phone"] == "138****8000"
    why = {"reveal": "contact", "reason": "回访来电人"}
    revealed = await client.get(f"/cases/{case['id']}", params=why, headers=agent)
    assert revealed.json()["requester"]["phone"] == "13800138000"
    resident = await f.login_as(app, "resident", username="13700002222")
    assert (await client.get(f"/cases/{case['id']}", params=why, headers=resident)).status_code == 404


async def test_a_reveal_without_a_reason_is_refused_and_audits_nothing(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    audited = await f.count_rows(app, AuditLog)
    for params in ({"reveal": "contact"}, {"reveal": "contact", "reason": " "}, {"reveal": "contact", "reason": " x "},
                   {"reveal": "contact", "reason": "x"},
                   {"reveal": "contact", "reason": "长" * 201}):
        response = await client.get(f"/cases/{case['id']}", params=params, headers=agent)
        assert response.status_code == 422, params
        problem = response.json()
        assert problem["errors"][0]["field"] == "query.reason" and "13800138000" not in response.text, params
    missing = (await client.get(f"/cases/{case['id']}", params={"reveal": "contact"},
                                headers={**agent, "Accept-Language": "en"})).json()
    assert (missing["code"], missing["title"]) == ("reveal_reason_required", "Showing the full contact needs a "
                                                   "reason (kept in the audit log)")
    assert await f.count_rows(app, AuditLog) == audited


async def test_direct_answer_and_withdraw(client, app):
    agent, _, _, _ = await staff(app)
    held = await f.case(client, agent, hold=True, work_order_type="consultation")
    assert held["status"] == "received" and held["assignments"] == []
    answered = await f.act(client, agent, held, "direct_answer", {"article_code": "kb-noise-quiet-hours-01",
                                                                  "answer": "噪声投诉夜间可直接拨打110"})
    assert answered["status"] == "replied" and answered["direct_answer"] and answered["deadlines"]["callback_due"]
    resident = await f.login_as(app, "resident", username="13700003333")
    mine = (await client.post("/cases", json={**f.NOISE_CASE, "caller_phone": None}, headers=resident)).json()
    gone = await f.act(client, resident, mine, "withdraw", {"reason": "问题已自行解决"})
    assert gone["status"] == "withdrawn" and gone["close_reason"] == "withdrawn"


async def test_co_handlers_sign_and_contribute(client, app):
    agent, _, eco, _ = await staff(app)
    case = await f.case(client, agent)
    co = next(a for a in case["assignments"] if a["role"] == "co")
    co_staff = await f.login_as(app, "unit_staff", unit=co["unit"]["id"])
    case = await f.act(client, co_staff, case, "sign")
    assert case["status"] == "dispatched"  # a co-handler signing does not sign for the lead
    case = await f.act(client, co_staff, case, "contribute", {"text": "已派执法队员夜间巡查"})
    mine = next(a for a in case["assignments"] if a["unit"]["id"] == co["unit"]["id"])
    assert mine["status"] == "contributed" and mine["contribution"]
    assert "contribute" not in case["allowed_actions"]


async def test_bad_actions_write_nothing(client, app, clock):
    agent, dispatcher, eco, urban = await staff(app)
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    case = await f.case(client, agent)

    async def events() -> int:
        async with app.state.sessionmaker() as s:
            return (await s.execute(select(func.count()).select_from(CaseEvent))).scalar_one()

    start = await events()
    url = f"/cases/{case['id']}/actions/sign"
    r = await client.post(url, json={}, headers=eco_staff)
    assert r.status_code == 428 and r.json()["code"] == "precondition_required"
    r = await client.post(url, json={}, headers={**eco_staff, "If-Match": '"7"'})
    assert r.status_code == 412 and r.json()["code"] == "version_stale"
    r = await client.post(f"/cases/{case['id']}/actions/reply", json={"text": "x", "signer": "y"},
                          headers={**eco_staff, "If-Match": '"1"'})
    assert r.status_code == 409 and r.json()["code"] == "action_not_allowed"
    assert set(r.json()["allowed_actions"]) == {"sign", "return", "add_co_handler"}
    r = await client.post(f"/cases/{case['id']}/actions/fly", json={}, headers={**eco_staff, "If-Match": '"1"'})
    assert r.status_code == 404 and r.json()["code"] == "action_unknown"
    r = await client.post(f"/cases/{case['id']}/actions/close", json={}, headers={**eco_staff, "If-Match": '"1"'})
    assert r.status_code == 409
    signed = await f.act(client, eco_staff, case, "sign")
    start = await events()
    bad_returns = [
        ({}, 422), ({"reason": "不归我管", "legal_basis": "无"}, 422),
        ({"reason": "不归我管", "legal_basis": "职责清单", "suggested_unit_id": eco}, 422),
        ({"reason": "不归我管", "legal_basis": "职责清单", "suggested_unit_id": 999999}, 422),
        ({"reason": "不归我管", "legal_basis": "职责清单", "suggested_unit_id": "abc"}, 422),
        ({"reason": "不归我管", "legal_basis": "职责清单", "suggested_unit_id": urban, "x": 1}, 422),
    ]
    for body, status in bad_returns:
        r = await client.post(f"/cases/{case['id']}/actions/return", json=body,
                              headers={**eco_staff, "If-Match": f'"{signed["version"]}"'})
        assert r.status_code == status, (body, r.text)
    clock.advance(days=3)  # past the 2-working-day return window
    r = await client.post(f"/cases/{case['id']}/actions/return",
                          json={"reason": "不归我管", "legal_basis": "职责清单", "suggested_unit_id": urban},
                          headers={**eco_staff, "If-Match": f'"{signed["version"]}"'})
    assert r.status_code == 409 and r.json()["code"] == "return_window_closed"
    r = await client.post(f"/cases/{case['id']}/actions/request_extension",
                          json={"days": 11, "reason": "复杂", "basis": "规范"},
                          headers={**eco_staff, "If-Match": f'"{signed["version"]}"'})
    assert r.status_code == 409 and r.json()["code"] == "extension_cap_exceeded"
    clock.advance(days=10)  # past the handling deadline
    r = await client.post(f"/cases/{case['id']}/actions/request_extension",
                          json={"days": 1, "reason": "复杂", "basis": "规范"},
                          headers={**eco_staff, "If-Match": f'"{signed["version"]}"'})
    assert r.status_code == 409 and r.json()["code"] == "extension_after_deadline"
    assert await events() == start
    async with app.state.sessionmaker() as s:
        row = await s.get(Case, case["id"])
        assert row.status == "signed" and row.version == signed["version"]


async def test_reroute_on_category_change(client, app):
    agent, dispatcher, eco, _ = await staff(app)
    case = await f.case(client, agent)
    r = await client.patch(f"/cases/{case['id']}", json={"category": "city.street_vendor", "reason": "实为占道经营"},
                           headers={**dispatcher, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 200, r.text
    moved = r.json()
    assert moved["category"]["code"] == "city.street_vendor" and moved["lead_unit"]["id"] != eco
    event = moved["timeline"][-1]
    assert event["type"] == "reroute" and event["data"]["before"] == {"category": "env.noise"}
    assert event["data"]["decision"]["trace"]
    r = await client.patch(f"/cases/{case['id']}", json={"region_code": "440304001000", "reason": "改地点"},
                           headers={**dispatcher, "If-Match": f'"{moved["version"]}"'})
    assert r.status_code == 422 and r.json()["code"] == "region_not_community"
    r = await client.patch(f"/cases/{case['id']}", json={"category": "env.noise", "reason": "改回原分类"},
                           headers={**dispatcher, "If-Match": '"1"'})
    assert r.status_code == 412
