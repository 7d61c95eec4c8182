"""One-stop affairs through HTTP: the guide, applications, 容缺, returns, decisions, termination, bad input."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import Case, CaseEvent, ServiceItem
from app.supervision.service import expire_stages
from tests import factories as f

ZONE = ZoneInfo("Asia/Shanghai")
YUANDONG = "440304002017"  # 园岭街道园东社区
ELDER_ID = "110105194403120033"
OTHER_ID = "440304199506080023"
MATERIALS = [
    {"code": "id_card", "name": "居民身份证", "form": "original", "required": True, "may_come_later": False},
    {"code": "hukou_book", "name": "户口簿", "form": "original_and_copy", "required": True, "may_come_later": True},
    {"code": "bank_card", "name": "社保卡或银行卡", "form": "copy", "required": True, "may_come_later": True},
    {"code": "photo", "name": "近期免冠照片", "form": "original", "required": False},
]


def item_body(code: str, promised: int, **overrides) -> dict:
    return {"code": code, "name": "测试津贴申领", "name_en": "Test allowance", "type": "行政给付",
            "category": "elderly.allowance", "department": "区民政局", "handling_unit_kind": "community_workstation",
            "applicants": "本市户籍老年人，可由家属代办", "conditions": ["年满 80 周岁"], "materials": MATERIALS,
            "steps": ["申请", "受理", "审核", "发放"], "statutory_days": 20, "promised_days": promised,
            "online": True, "visits": 0, "legal_basis": ["《深圳市老年人优待办法》"], "life_events": [],
            "keywords": ["测试津贴"], **overrides}


def local_end(y, m, d) -> str:
    return datetime(y, m, d, 23, 59, 59, tzinfo=ZONE).astimezone(UTC).isoformat().replace("+00:00", "Z")


def upload(*codes: str) -> list[dict]:
    return [{"code": c, "source": "electronic_licence", "file_ref": f"files/{c}.pdf"} for c in codes]


async def _item(client, app, code: str, promised: int, **overrides) -> dict:
    admin = await f.login_as(app, "admin")
    response = await client.post("/affairs/items", json=item_body(code, promised, **overrides), headers=admin)
    assert response.status_code == 201, response.text
    return response.json()


async def _apply(client, headers, item_code: str, materials: list[dict], *, expect: int = 201, **extra) -> dict:
    body = {"item_code": item_code, "applicant": {"id_number": ELDER_ID, "name": "李秀英"},
            "region_code": YUANDONG, "materials": materials, **extra}
    response = await client.post("/affairs/applications", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _workstation(app) -> tuple[int, dict]:
    unit = await f.unit_by_kind(app, YUANDONG, "community_workstation")
    return unit, await f.login_as(app, "unit_staff", unit=unit)


async def _track(client, headers, case) -> dict:
    response = await client.get(f"/affairs/applications/{case['id']}", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_resident_applies_online_is_accepted_with_a_material_to_follow_and_gets_the_decision(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    unit, staff = await _workstation(app)
    resident = await f.login_as(app, "resident", username="13912345678")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book"))
    assert (case["kind"], case["channel"], case["status"], case["stage"]) == ("affair", "app", "dispatched",
                                                                              "submitted")
    desk = await f.desk(client, app, case["id"])
    assert desk["lead_unit"]["id"] == unit  # the item's unit kind, in the applicant's community
    assert desk["deadlines"]["handle_due"] == local_end(2026, 12, 14)  # 15 working days from Mon 23 Nov
    assert case["promised_due"] == desk["deadlines"]["handle_due"]  # the applicant reads the same promise
    applicant = case["payload"]["applicant"]
    assert applicant["id_masked"] == "110***********0033" and "id_cipher" not in applicant
    assert ELDER_ID not in str(case)

    seen = await client.get(f"/cases/{case['id']}", headers=staff)
    assert set(seen.json()["allowed_actions"]) >= {"accept_pending", "request_materials", "return"}
    assert "accept" not in seen.json()["allowed_actions"]  # the bank card is still missing
    case = await f.act(client, staff, case, "accept_pending", {"promise": "本人承诺 13 个工作日内补交银行卡复印件"})
    assert (case["status"], case["stage"]) == ("in_progress", "accepted_pending")
    assert case["stage_due"] == local_end(2026, 12, 10)  # min(15 − 2, 20) = 13 working days
    track = await _track(client, resident, case)
    assert [m["code"] for m in track["missing"]] == ["bank_card"] and track["missing"][0]["key"] is False
    assert track["supplement_due"] == local_end(2026, 12, 10)
    assert track["promised_by"] == local_end(2026, 12, 14)
    assert track["stage_name"] == "容缺受理，待补齐材料"

    response = await client.post(f"/affairs/applications/{case['id']}/materials",
                                 json={"materials": upload("bank_card")},
                                 headers={**resident, "If-Match": f'"{case["version"]}"'})
    assert response.status_code == 200, response.text
    case = response.json()
    assert case["stage"] == "accepted" and case["stage_due"] is None
    assert (await f.desk(client, app, case["id"]))["timeline"][-1]["data"]["tolerance_completed"] is True

    case = await f.act(client, staff, case, "approve", {"certificate_no": "FT-2026-0001", "collection": "mail"})
    assert (case["status"], case["stage"]) == ("replied", "approved")
    assert case["reply"]["decision"] == "approved" and case["deadlines"]["callback_due"]
    track = await _track(client, resident, case)
    assert track["decision"]["certificate_no"] == "FT-2026-0001" and track["missing"] == []
    assert [s["type"] for s in track["steps"]] == ["create", "dispatch", "accept_pending", "supplement", "approve"]
    case = await f.act(client, resident, case, "rate", {"satisfaction": "satisfied", "solved": True})
    assert case["status"] == "closed"


async def test_on_the_spot_item_at_the_counter_by_proxy(client, app):
    await _item(client, app, "TEST-SPOT", 0, statutory_days=0)
    _, staff = await _workstation(app)
    counter = await f.login_as(app, "agent")
    case = await _apply(client, counter, "TEST-SPOT",
                        [{"code": c, "source": "counter_checked"} for c in ("id_card", "hukou_book", "bank_card")],
                        proxy={"mode": "proxy", "name": "李明", "relation": "儿子", "id_number": OTHER_ID})
    assert case["channel"] == "counter" and case["deadlines"]["handle_due"] == local_end(2026, 11, 23)
    created = case["timeline"][0]
    assert created["type"] == "create" and created["data"]["proxy"]["mode"] == "proxy"
    assert created["data"]["proxy"]["name"] == "李明" and created["data"]["proxy"]["id_masked"] == "440***********0023"
    assert OTHER_ID not in str(case)
    case = await f.act(client, staff, case, "accept_and_approve", {"collection": "counter"})
    assert (case["status"], case["stage"]) == ("replied", "approved")
    assert [e["type"] for e in case["timeline"]] == ["create", "dispatch", "accept_and_approve"]


async def test_staff_filing_without_a_named_proxy_is_recorded_as_assisted(client, app):
    await _item(client, app, "TEST-SPOT", 0, statutory_days=0)
    counter = await f.login_as(app, "agent")
    case = await _apply(client, counter, "TEST-SPOT", [{"code": "id_card", "source": "counter_checked"}])
    assert case["timeline"][0]["data"]["proxy"]["mode"] == "assisted"


async def test_returned_with_one_complete_list_the_clock_stops_and_restarts_on_resubmission(client, app, clock):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    _, staff = await _workstation(app)
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book", "bank_card"))
    notice = {"items": [{"material_code": "id_card", "problem": "expired", "detail": "身份证已过有效期"},
                        {"material_code": "hukou_book", "problem": "unclear", "detail": "户口簿首页扫描不清"}]}
    case = await f.act(client, staff, case, "request_materials", notice)
    assert case["stage"] == "materials_requested" and case["deadlines"]["handle_due"] is None
    assert case["status"] == "signed"  # returning the list signed for it
    track = await _track(client, resident, case)
    assert track["promised_by"] is None and len(track["notice"]["items"]) == 2
    assert "by_user_id" not in track["notice"]
    await f.act(client, staff, case, "approve", {}, expect=409)
    paused = await f.act(client, staff, case, "request_extension", {"days": 2, "reason": "需核查",
                                                                           "basis": "需上门核查"}, expect=409)
    assert paused["code"] == "extension_clock_paused"

    clock.advance(days=3)  # Thu 26 Nov
    response = await client.post(f"/affairs/applications/{case['id']}/materials",
                                 json={"materials": upload("id_card")},
                                 headers={**resident, "If-Match": f'"{case["version"]}"'})
    case = response.json()
    assert case["stage"] == "materials_requested"
    assert (await f.desk(client, app, case["id"]))["timeline"][-1]["data"]["still_asked"] == ["hukou_book"]
    response = await client.post(f"/affairs/applications/{case['id']}/materials",
                                 json={"materials": upload("hukou_book")},
                                 headers={**resident, "If-Match": f'"{case["version"]}"'})
    case = response.json()
    assert case["stage"] == "submitted"
    assert case["promised_due"] == local_end(2026, 12, 17)  # 15 working days from Thu 26 Nov
    case = await f.act(client, staff, case, "accept")
    assert case["stage"] == "accepted"


async def test_a_tolerated_application_past_its_supplement_date_is_terminated_by_the_sweep(client, app, clock):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    _, staff = await _workstation(app)
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book"))
    case = await f.act(client, staff, case, "accept_pending", {"promise": "承诺按期补交银行卡"})
    clock.set(datetime(2026, 12, 10, 15, 59, tzinfo=UTC))  # Thu 10 Dec 23:59 in Shenzhen: still in time
    assert await expire_stages(app.state) == 0
    clock.set(datetime(2026, 12, 10, 16, 1, tzinfo=UTC))
    assert await expire_stages(app.state) == 1
    assert await expire_stages(app.state) == 0  # once only
    assert (await client.get(f"/cases/{case['id']}", headers=resident)).json()["status_label"] == "已办结"
    case = await f.desk(client, app, case["id"])
    assert (case["status"], case["stage"], case["close_reason"]) == ("closed", "terminated", "terminated")
    event = case["timeline"][-1]
    assert event["type"] == "terminate" and event["actor_role"] == "system"
    assert event["data"]["notify_requester"] is True and event["data"]["missing"][0]["code"] == "bank_card"
    response = await client.post(f"/affairs/applications/{case['id']}/materials",
                                 json={"materials": upload("bank_card")},
                                 headers={**resident, "If-Match": f'"{case["version"]}"'})
    assert response.status_code == 409 and response.json()["code"] == "application_terminated"
    assert (await _track(client, resident, case))["stage_name"] == "逾期未补齐，已终止"


async def test_rejection_carries_reasons_and_legal_basis(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    _, staff = await _workstation(app)
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book", "bank_card"))
    case = await f.act(client, staff, case, "accept")
    bad = await client.post(f"/cases/{case['id']}/actions/reject", json={"reasons": "年龄"},
                            headers={**staff, "If-Match": f'"{case["version"]}"'})
    assert bad.status_code == 422  # no legal basis
    case = await f.act(client, staff, case, "reject", {"reasons": "申请人未满 80 周岁",
                                                       "legal_basis": "《办法》第三条"})
    assert (case["status"], case["stage"]) == ("replied", "rejected")
    track = await _track(client, resident, case)
    assert track["decision"]["legal_basis"] == "《办法》第三条"


async def test_bad_credit_applicants_cannot_be_accepted_with_materials_missing(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    admin = await f.login_as(app, "admin")
    response = await client.post("/affairs/credit-flags", json={"id_number": ELDER_ID, "reason": "虚假承诺",
                                                               "source": "信用中国（广东）"}, headers=admin)
    assert response.status_code == 201 and response.json()["id_number"] == "110***********0033"
    _, staff = await _workstation(app)
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book"))
    allowed = (await client.get(f"/cases/{case['id']}", headers=staff)).json()["allowed_actions"]
    assert "accept_pending" not in allowed
    refused = await f.act(client, staff, case, "accept_pending", {"promise": "承诺补交"}, expect=409)
    assert refused["code"] == "tolerance_refused_bad_credit"
    # The flag is lifted: 容缺 is open again for the same application.
    flag_id = response.json()["id"]
    assert (await client.delete(f"/affairs/credit-flags/{flag_id}", headers=admin)).status_code == 200
    case = await f.act(client, staff, case, "accept_pending", {"promise": "承诺补交"})
    assert case["stage"] == "accepted_pending" and case["payload"]["credit_flagged"] is False


async def test_bad_input_gets_a_specific_problem_and_writes_nothing(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    resident = await f.login_as(app, "resident")
    cases_before, events_before = await _count(app, Case), await _count(app, CaseEvent)

    async def refused(body: dict, code: str, status: int = 422) -> dict:
        response = await client.post("/affairs/applications", json=body, headers=resident)
        assert response.status_code == status, response.text
        problem = response.json()
        assert response.headers["content-type"].startswith("application/problem+json") and problem["code"] == code
        return problem

    base = {"item_code": "TEST-ALLOWANCE", "applicant": {"id_number": ELDER_ID}, "region_code": YUANDONG,
            "materials": upload("id_card")}
    await refused({**base, "item_code": "NO-SUCH-ITEM"}, "item_not_found")
    problem = await refused({**base, "materials": upload("hukou_book")}, "key_material_missing")
    assert problem["errors"][0]["field"] == "materials" and "居民身份证" in problem["detail"]
    await refused({**base, "applicant": {"id_number": "110105194403120034"}}, "id_number_invalid")
    await refused({**base, "materials": [{"code": "id_card", "source": "counter_checked"}]},
                  "material_source_not_allowed")
    await refused({**base, "materials": upload("id_card", "passport")}, "material_unknown")
    await refused({**base, "region_code": "440304999999"}, "region_not_found")
    await refused({**base, "proxy": {"mode": "home_visit"}}, "proxy_mode_staff_only")
    await _item(client, app, "TEST-COUNTER-ONLY", 5, online=False)
    await refused({**base, "item_code": "TEST-COUNTER-ONLY"}, "item_not_online")
    await refused({**base, "materials": [{"code": "id_card", "source": "upload"}]}, "validation_failed")
    await refused({**base, "applicant": {"id_number": 110105194403120033}}, "validation_failed")
    generic = await client.post("/cases", json={**f.NOISE_CASE, "kind": "affair"}, headers=await f.login_as(
        app, "agent"))
    assert generic.status_code == 422 and generic.json()["code"] == "kind_needs_own_intake"
    assert (await _count(app, Case), await _count(app, CaseEvent)) == (cases_before, events_before)


async def test_spine_actions_the_kind_does_not_use_and_other_residents(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    _, staff = await _workstation(app)
    resident = await f.login_as(app, "resident")
    agent = await f.login_as(app, "agent")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book", "bank_card"))
    refused = await f.act(client, staff, case, "reply", {"text": "已办", "signer": "王"}, expect=409)
    assert refused["code"] == "action_not_for_kind" and "accept" in refused["allowed_actions"]
    assert (await f.act(client, agent, case, "direct_answer", {"article_code": "kb-noise-quiet-hours-01"},
                        expect=409))["code"] == \
        "action_not_for_kind"
    other = await f.login_as(app, "resident")
    assert (await client.get(f"/affairs/applications/{case['id']}", headers=other)).status_code == 404
    response = await client.post(f"/affairs/applications/{case['id']}/materials",
                                 json={"materials": upload("photo")},
                                 headers={**other, "If-Match": f'"{case["version"]}"'})
    assert response.status_code == 404
    stale = await client.post(f"/affairs/applications/{case['id']}/materials", json={"materials": upload("photo")},
                              headers={**resident, "If-Match": f'"{case["version"] - 1}"'})
    assert stale.status_code == 412


async def test_public_tracking_needs_the_number_and_the_applicants_id_number(client, app):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book", "bank_card"))
    ok = await client.post("/affairs/track", json={"number": case["number"], "id_number": ELDER_ID})
    assert ok.status_code == 200 and ok.json()["stage"] == "submitted" and "李秀英" not in ok.text
    for wrong in ({"number": case["number"], "id_number": OTHER_ID}, {"number": case["number"] + "9",
                                                                      "id_number": ELDER_ID},
                  {"number": case["number"], "id_number": "110105194403120034"}):
        response = await client.post("/affairs/track", json=wrong)
        assert response.status_code == 404 and response.json()["code"] == "application_not_found"
    assert "credit_flagged" not in case["payload"]  # the resident's own view
    assert "by_user_id" not in str(case["payload"]) and "by_role" not in str(case["payload"])


async def test_items_are_versioned_and_applications_keep_theirs(client, app):
    first = await _item(client, app, "TEST-ALLOWANCE", 15)
    admin = await f.login_as(app, "admin")
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book", "bank_card"))
    changed = item_body("TEST-ALLOWANCE", 10)
    del changed["code"]
    stale = await client.put("/affairs/items/TEST-ALLOWANCE", json=changed, headers={**admin, "If-Match": '"9"'})
    assert stale.status_code == 412
    response = await client.put("/affairs/items/TEST-ALLOWANCE", json=changed,
                                headers={**admin, "If-Match": f'"{first["version"]}"'})
    assert response.status_code == 200 and response.json()["version"] == 2
    assert response.json()["time_limit"]["promised_days"] == 10
    old = await client.get("/affairs/items/TEST-ALLOWANCE", params={"version": 1})
    assert old.json()["time_limit"]["promised_days"] == 15 and old.json()["current"] is False
    kept = (await client.get(f"/cases/{case['id']}", headers=resident)).json()
    assert kept["payload"]["item"]["version"] == 1 and kept["payload"]["item"]["promised_days"] == 15
    gone = await client.delete("/affairs/items/TEST-ALLOWANCE", headers={**admin, "If-Match": '"2"'})
    assert gone.status_code == 200 and gone.json()["status"] == "withdrawn"
    listed = await client.get("/affairs/items", params={"q": "测试津贴"})
    assert "TEST-ALLOWANCE" not in [i["code"] for i in listed.json()["items"]]
    refused = await client.post("/affairs/applications", headers=resident, json={
        "item_code": "TEST-ALLOWANCE", "applicant": {"id_number": ELDER_ID}, "region_code": YUANDONG,
        "materials": upload("id_card")})
    assert refused.status_code == 422 and refused.json()["code"] == "item_withdrawn"
    async with app.state.sessionmaker() as session:
        versions = (await session.execute(select(ServiceItem.version, ServiceItem.current)
                                          .where(ServiceItem.code == "TEST-ALLOWANCE")
                                          .order_by(ServiceItem.version))).all()
    assert [tuple(v) for v in versions] == [(1, False), (2, False), (3, True)]


async def test_item_admin_bad_input(client, app):
    admin = await f.login_as(app, "admin")
    resident = await f.login_as(app, "resident")
    assert (await client.post("/affairs/items", json=item_body("TEST-X", 5), headers=resident)).status_code == 403
    cases = [
        (item_body("TEST-X", 25), "validation_failed"),  # promised beyond statutory
        (item_body("TEST-X", 5, category="elderly"), "category_not_leaf"),
        (item_body("TEST-X", 5, handling_unit_kind="ministry"), "unit_kind_unknown"),
        (item_body("TEST-X", 5, life_events=["lottery_win"]), "life_event_unknown"),
        (item_body("TEST-X", 5, materials=[MATERIALS[0], MATERIALS[0]]), "validation_failed"),
        (item_body("bad code", 5), "validation_failed"),
    ]
    for body, code in cases:
        response = await client.post("/affairs/items", json=body, headers=admin)
        assert response.status_code == 422 and response.json()["code"] == code, (body, response.text)
    assert (await client.get("/affairs/items/TEST-X")).status_code == 404


async def test_a_resident_finds_the_old_age_allowance_in_the_seeded_guide(client, app):
    found = await client.get("/affairs/items", params={"q": "我爸今年满80岁了，怎么领高龄津贴"})
    assert found.status_code == 200
    top = found.json()["items"][0]
    assert top["code"] == "ELD-ALLOWANCE" and {"高龄", "津贴"} <= set(top["matched"]) and top["score"] > 0
    item = (await client.get("/affairs/items/ELD-ALLOWANCE")).json()
    assert item["time_limit"]["promised_days"] > 0 and item["time_limit"]["on_the_spot"] is False
    assert any(m["key"] for m in item["materials"]) and any(m["may_come_later"] for m in item["materials"])
    assert item["handling_unit_kind"]["code"] == "civil_affairs_station"
    assert "turning_80" in [e["code"] for e in item["life_events"]]


async def test_browsing_by_life_event_and_category_with_keyset_pages(client, app):
    events = (await client.get("/affairs/life-events")).json()
    assert {"newborn", "turning_80", "lost_job", "moving_in"} <= {e["code"] for e in events}
    newborn = await f.all_pages(client, "/affairs/items", {"life_event": "newborn", "limit": 2})
    assert len(newborn) >= 2 and all("newborn" in i["life_events"] for i in newborn)
    assert len({i["code"] for i in newborn}) == len(newborn)  # no item twice across pages
    everything = await f.all_pages(client, "/affairs/items", {"limit": 7})
    assert len(everything) >= 20 and [i["code"] for i in everything] == sorted(i["code"] for i in everything)
    civil = (await client.get("/affairs/items", params={"category": "civil", "limit": 100})).json()["items"]
    assert civil and all(i["category"]["code"].startswith("civil.") for i in civil)
    searched = await f.all_pages(client, "/affairs/items", {"q": "失业", "limit": 1})
    scores = [i["score"] for i in searched]
    assert len(searched) >= 2 and scores == sorted(scores, reverse=True)
    bad = await client.get("/affairs/items", params={"life_event": "lottery_win"})
    assert bad.status_code == 422 and bad.json()["code"] == "life_event_unknown"


async def test_a_seeded_item_routes_to_the_civil_affairs_station_of_the_subdistrict(client, app):
    resident = await f.login_as(app, "resident")
    item = (await client.get("/affairs/items/ELD-ALLOWANCE")).json()
    have = [{"code": m["code"], "source": "electronic_licence", "file_ref": f"f/{m['code']}"} for m in item["materials"]
            if m["key"]]
    case = await _apply(client, resident, "ELD-ALLOWANCE", have)
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")  # 园岭街道
    desk = await f.desk(client, app, case["id"])
    assert desk["lead_unit"]["id"] == station and case["lead_unit"]["id"] == station
    trace = desk["timeline"][1]["data"]["trace"]
    assert "ELD-ALLOWANCE" in trace[0]["text"] and "属地" in trace[-1]["text"]


async def test_a_new_handling_unit_inherits_the_promise_and_its_pause(client, app, clock):
    await _item(client, app, "TEST-ALLOWANCE", 15)
    first, _ = await _workstation(app)
    second = await f.unit_by_kind(app, "440304002016", "community_workstation")
    dispatcher = await f.login_as(app, "dispatcher")
    resident = await f.login_as(app, "resident")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book", "bank_card"))
    promised = case["promised_due"]
    assert promised == local_end(2026, 12, 14)  # 15 working days from Mon 23 Nov

    clock.advance(days=2)
    case = await f.act_latest(client, dispatcher, case["id"], "redispatch",
                              {"unit_id": second, "reason": "申请人实际居住在红荔社区"})
    assert case["lead_unit"]["id"] == second
    assert case["deadlines"]["handle_due"] == promised  # not 15 working days from Wednesday
    staff = await f.login_as(app, "unit_staff", unit=second)
    notice = {"items": [{"material_code": "hukou_book", "problem": "unclear", "detail": "户口簿首页扫描不清"}]}
    case = await f.act(client, staff, case, "request_materials", notice)
    assert case["deadlines"]["handle_due"] is None  # the clock waits for the applicant
    case = await f.act(client, dispatcher, case, "redispatch", {"unit_id": first, "reason": "退回园东社区"})
    assert (case["stage"], case["deadlines"]["handle_due"]) == ("materials_requested", None)  # still waiting
