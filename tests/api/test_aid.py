"""Social aid through HTTP: a household just under the line, checked, noticed across National Day, objected to,
noticed again and approved from the next month; and the refusals at the door."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import Case
from app.supervision.service import expire_stages
from tests import care
from tests import factories as f
from tests.factories import act_latest as _act

ZONE = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE)


def end_of(y, m, d) -> str:
    return datetime(y, m, d, 23, 59, 59, tzinfo=ZONE).astimezone(UTC).isoformat().replace("+00:00", "Z")


def household(applicant_id: int, *, spouse_income="2000", child_income="0", applicant_income="2340",
              scheme="dibao", **extra) -> dict:
    return {"scheme": scheme, "region_code": care.YUANDONG, "members": [
        {"person_id": applicant_id, "relationship": "applicant", "monthly_income": applicant_income},
        {"name": "王芳", "relationship": "spouse", "birth_date": "1980-05-01",
         "incomes": [{"source": "wage", "month": "2026-07", "amount": spouse_income},
                     {"source": "wage", "month": "2026-08", "amount": spouse_income}]},
        {"name": "李小明", "relationship": "child", "birth_date": "2015-03-02", "monthly_income": child_income}],
        "assets": {"savings": "20000", "properties": 1}, **extra}


async def test_a_household_just_under_the_line_is_noticed_objected_to_and_approved(client, app, clock):
    clock.set(local(2026, 9, 21))  # a Monday; National Day's week follows
    resident = await f.login_as(app, "resident", username="13912340021")
    r = await client.post("/people/me", json={"name": "李建华", "id_number": care.ADULT_ID,
                                              "region_code": care.YUANDONG}, headers=resident)
    me = r.json()

    r = await client.post("/aid/eligibility", json=household(me["id"]), headers=resident)
    assert r.status_code == 200, r.text
    check = r.json()
    assert (check["eligible"], check["per_capita_income"], check["line"]) == (True, 1446.67, 1450.0)
    assert [x["code"] for x in check["reasons"]] == ["income_below_line", "savings_within_limit",
                                                      "vehicles_within_limit", "properties_within_limit"]
    at_line = (await client.post("/aid/eligibility", json=household(me["id"], applicant_income="2350"),
                                 headers=resident)).json()
    assert (at_line["eligible"], at_line["per_capita_income"]) == (False, 1450.0)  # exactly at the line: not below
    assert at_line["reasons"][0] == {"code": "income_below_line", "passed": False,
                                     "text": "家庭人均月收入 1450.00 元不低于当地低保标准 1450.00 元",
                                     "text_en": "per-capita monthly income 1450.00 is not below the line 1450.00"}

    case = (await client.post("/aid/applications", json=household(me["id"]), headers=resident)).json()
    assert case["status_label"] == "已派发" and "deadlines" not in case  # the applicant's own view
    case = await f.desk(client, app, case["id"])
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    assert (case["kind"], case["stage"], case["lead_unit"]["id"]) == ("aid", "applied", station)
    # 25 working days: Mid-Autumn (Fri 25 Sep) and National Day (1–7 Oct) skipped, Sat 10 Oct worked (调休)
    assert case["deadlines"]["handle_due"] == end_of(2026, 11, 2)
    assert case["deadlines"]["extension_cap_working_days"] == 15  # 25 extendable to 40
    staff = await f.login_as(app, "unit_staff", unit=station)
    agent = await f.login_as(app, "agent")

    await _act(client, staff, case["id"], "accept")
    r = await _act(client, staff, case["id"], "approve", {"amount": "10.00"}, expect=409)
    assert r["code"] == "decision_before_check"
    clock.set(local(2026, 9, 24, 16))
    await _act(client, staff, case["id"], "record_check", {"findings": "入户核实：夫妻二人，女儿就读小学，收入属实",
                                                          "visited_on": "2026-09-24"})
    clock.set(local(2026, 9, 29))
    noticed = await _act(client, staff, case["id"], "publish_notice", {"place": "园东社区居务公开栏"})
    assert (noticed["stage"], noticed["stage_due"]) == ("notice", end_of(2026, 10, 6))  # 7 calendar days
    r = await _act(client, staff, case["id"], "approve", {"amount": "10.00"}, expect=409)
    assert (r["code"], r["detail"]) == ("notice_not_ended", "公示期至 2026-10-06 23:59 结束，期满前不能批准")
    r = await _act(client, staff, case["id"], "reject", {"reasons": "收入超标，不予批准"}, expect=409)
    assert r["code"] == "notice_not_ended"  # no decision of either kind during the notice

    clock.set(local(2026, 10, 2, 15))  # a holiday: the hotline takes the objection
    back = await _act(client, agent, case["id"], "object", {"text": "反映其家中经营小卖部，收入未申报", "by": "邻居"})
    assert (back["stage"], back["stage_due"]) == ("objected", None)
    r = await _act(client, staff, case["id"], "publish_notice", {"place": "园东社区居务公开栏"}, expect=409)
    assert r["code"] == "recheck_required"  # re-investigation first, then a new notice
    clock.set(local(2026, 10, 8))
    await _act(client, staff, case["id"], "record_check", {"findings": "复查：小卖部已于 2025 年注销，异议不成立",
                                                          "visited_on": "2026-10-08"})
    second = await _act(client, staff, case["id"], "publish_notice", {"place": "园东社区居务公开栏"})
    assert second["stage_due"] == end_of(2026, 10, 15)
    await _act(client, agent, case["id"], "object", {"text": "再次反映"})  # still within the notice
    await _act(client, staff, case["id"], "record_check",
               {"findings": "再次复查，异议不成立", "visited_on": "2026-10-08"})
    await _act(client, staff, case["id"], "publish_notice", {"place": "园东社区居务公开栏"})

    clock.set(local(2026, 10, 16, 9))
    assert await expire_stages(app.state) == 1
    view = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    assert view["timeline"][-1]["type"] == "notice_ended"
    assert view["payload"]["decision_due"].replace("+00:00", "Z") == end_of(2026, 10, 29)  # 10 working days on
    approved = await _act(client, staff, case["id"], "approve", {"amount": "10.00"})
    assert (approved["status"], approved["stage"]) == ("replied", "approved")
    assert approved["payload"]["decision"]["start_month"] == "2026-11"
    assert "自 2026-11 起发放" in approved["reply"]["text"]

    r = await client.get(f"/aid/applications/{case['id']}", headers=resident)
    mine = r.json()
    assert (mine["stage"], mine["stage_name"], mine["decision"]["amount"]) == ("approved", "已批准", "10.00")
    steps = [s["type"] for s in mine["steps"]]
    assert steps.count("publish_notice") == 3 and steps.count("object") == 2
    assert steps[-2:] == ["notice_ended", "approve"]
    assert "by_user_id" not in r.text
    case_view = (await client.get(f"/cases/{case['id']}", headers=resident)).json()
    assert len(case_view["payload"]["objections"]) == 2 and "邻居" not in str(case_view["payload"])
    r = await client.get(f"/cases/{case['id']}", headers=await f.login_as(app, "resident"))
    assert r.status_code == 404  # another resident


async def test_aid_refuses_bad_households_and_out_of_order_decisions_writing_nothing(client, app, clock):
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ADULT_ID, "李建华")
    no_applicant = household(person["id"])
    no_applicant["members"][0]["relationship"] = "other"
    for body, code, field in (
        (no_applicant, "household_without_applicant", "members"),
        (household(person["id"], spouse_income="-1"), "validation_failed", "members.1.incomes.0.amount"),
        (household(person["id"], scheme="temporary"), "temporary_details_required", "temporary"),
        ({**household(person["id"]), "region_code": "440304002999"}, "region_not_found", "region_code"),
    ):
        r = await client.post("/aid/applications", json=body, headers=staff)
        assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (422, code, field), r.text
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(Case))).scalar_one() == 0

    case = (await client.post("/aid/applications", json=household(person["id"]), headers=staff)).json()
    assert case["channel"] == "counter"
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    unit_staff = await f.login_as(app, "unit_staff", unit=station)
    listed = await _act(client, unit_staff, case["id"], "request_materials",
                        {"items": [{"name": "收入证明", "detail": "配偶近 6 个月工资流水"}]})
    assert (listed["stage"], listed["deadlines"]["handle_due"]) == ("materials_requested", None)  # clock paused
    r = await _act(client, unit_staff, case["id"], "request_materials", {"items": [{"name": "房产证明"}]},
                   expect=409)
    assert r["code"] == "materials_list_once"
    resumed = await _act(client, staff, case["id"], "supplement", {"materials": ["工资流水 6 个月"]})
    assert resumed["stage"] == "accepted" and resumed["deadlines"]["handle_due"] is not None
    r = await _act(client, unit_staff, case["id"], "reject", {"reasons": ""}, expect=422)
    assert r["errors"][0]["field"] == "reasons"
    r = await _act(client, unit_staff, case["id"], "publish_notice", {"place": "公示栏"}, expect=409)
    assert r["code"] == "action_not_allowed"  # the check comes first
    r = await _act(client, unit_staff, case["id"], "reply", {"text": "x", "signer": "y"}, expect=409)
    assert r["code"] == "action_not_for_kind"
    rejected = await _act(client, unit_staff, case["id"], "reject",
                          {"reasons": "家庭人均收入核实为 1620 元，高于当地低保标准",
                           "legal_basis": "民发〔2021〕57号"})
    assert rejected["payload"]["decision"]["written_notice_due"].replace("+00:00", "Z") == end_of(2026, 11, 26)


async def test_an_application_left_without_a_list_is_accepted_by_rule(client, app, clock):
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ADULT_ID, "李建华")
    case = (await client.post("/aid/applications", json=household(person["id"]), headers=staff)).json()
    assert case["stage_due"] == end_of(2026, 11, 30)  # 5 working days to send one list
    clock.set(local(2026, 11, 30, 23))
    assert await expire_stages(app.state) == 0
    clock.set(local(2026, 12, 1, 0, 30))
    assert await expire_stages(app.state) == 1
    view = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    assert (view["stage"], view["status"], view["timeline"][-1]["type"]) == ("accepted", "in_progress",
                                                                             "accept_by_rule")
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    r = await _act(client, await f.login_as(app, "unit_staff", unit=station), view["id"], "request_materials",
                   {"items": [{"name": "收入证明"}]}, expect=409)
    assert r["code"] == "action_not_allowed"  # too late for a list: it counts as accepted


async def test_the_whole_process_extends_to_40_working_days_and_no_further(client, app, clock):
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ADULT_ID, "李建华")
    case = (await client.post("/aid/applications", json=household(person["id"]), headers=staff)).json()
    assert case["deadlines"]["handle_due"] == end_of(2026, 12, 28)  # 25 working days from Mon 23 Nov
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    lead = await f.login_as(app, "unit_staff", unit=station)
    dispatcher = await f.login_as(app, "dispatcher")
    await _act(client, lead, case["id"], "accept")
    r = await _act(client, lead, case["id"], "request_extension",
                    {"days": 16, "reason": "需跨区核查存款", "basis": "民发〔2021〕57号"}, expect=409)
    assert r["code"] == "extension_cap_exceeded"
    await _act(client, lead, case["id"], "request_extension",
               {"days": 15, "reason": "需跨区核查存款", "basis": "民发〔2021〕57号"})
    extended = await _act(client, dispatcher, case["id"], "approve_extension")
    # 40 working days: 2027 has no notice yet, so its statutory holidays count (1 Jan skipped) and the due is
    # provisional until the year's schedule is loaded.
    assert extended["deadlines"]["handle_due"] == end_of(2027, 1, 19)
    assert extended["deadlines"]["calendar_complete"] is False
    assert extended["deadlines"]["provisional"] == ["handle_due"]
    r = await _act(client, lead, case["id"], "request_extension",
                   {"days": 1, "reason": "再延一日", "basis": "民发〔2021〕57号"}, expect=409)
    assert r["code"] == "extension_cap_exceeded"


async def test_counter_filed_applications_are_the_applicants_to_follow_and_filed_where_registered(client, app, clock):
    resident = await f.login_as(app, "resident", username="13912340022")
    r = await client.post("/people/me", json={"name": "李建华", "id_number": care.ADULT_ID,
                                              "region_code": care.YUANDONG}, headers=resident)
    me = r.json()
    _, staff = await care.workstation(app)
    elsewhere = {**household(me["id"]), "region_code": care.YUANLING_OTHER}
    r = await client.post("/aid/applications", json=elsewhere, headers=await f.login_as(app, "agent"))
    assert (r.status_code, r.json()["code"]) == (422, "not_registration_place")
    case = (await client.post("/aid/applications", json=household(me["id"]), headers=staff)).json()
    r = await client.get(f"/aid/applications/{case['id']}", headers=resident)
    assert (r.status_code, r.json()["stage"]) == (200, "applied")

    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    lead = await f.login_as(app, "unit_staff", unit=station)
    await _act(client, lead, case["id"], "accept")
    await _act(client, lead, case["id"], "record_check", {"findings": "入户核实收入属实", "visited_on": "2026-11-23"})
    await _act(client, lead, case["id"], "publish_notice", {"place": "园东社区居务公开栏"})
    clock.set(local(2026, 12, 1, 9))
    assert await expire_stages(app.state) == 1  # the notice ended on Mon 30 Nov
    clock.set(local(2026, 12, 15, 9))  # ten working days on, and no decision
    assert await expire_stages(app.state) == 1
    assert await expire_stages(app.state) == 0  # marked once
    r = await client.get(f"/aid/applications/{case['id']}", headers=resident)
    assert [s["type"] for s in r.json()["steps"]][-2:] == ["notice_ended", "decision_overdue"]
    assert r.json()["decision_due"] == end_of(2026, 12, 14)


async def test_a_new_station_inherits_the_applicants_clock_and_its_extension(client, app, clock):
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ADULT_ID, "李建华")
    case = (await client.post("/aid/applications", json=household(person["id"]), headers=staff)).json()
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    other = await f.unit_by_kind(app, "440304001000", "civil_affairs_station")
    lead = await f.login_as(app, "unit_staff", unit=station)
    dispatcher = await f.login_as(app, "dispatcher")
    await _act(client, lead, case["id"], "accept")
    await _act(client, lead, case["id"], "request_extension",
               {"days": 10, "reason": "需跨区核查存款", "basis": "民发〔2021〕57号"})
    extended = await _act(client, dispatcher, case["id"], "approve_extension")
    handle_due = extended["deadlines"]["handle_due"]
    assert handle_due == end_of(2027, 1, 12)  # 25 + 10 working days from Mon 23 Nov (1 Jan 2027 is 元旦)

    clock.set(local(2026, 12, 14))  # three weeks on, the station finds the household registered elsewhere
    moved = await _act(client, dispatcher, case["id"], "redispatch", {"unit_id": other, "reason": "户籍在南园街道"})
    assert moved["lead_unit"]["id"] == other
    assert moved["deadlines"]["handle_due"] == handle_due  # the applicant's 35 working days, not a fresh 25
    assert moved["deadlines"]["sign_due"] > "2026-12-14"  # the new station's own time to sign for it
    handed = next(e for e in moved["timeline"] if e["type"] == "redispatch")
    assert handed["data"]["deadlines"]["handling_limit"]["clause"] == "inherited"
    newcomer = await f.login_as(app, "unit_staff", unit=other)
    await _act(client, newcomer, case["id"], "sign")
    r = await _act(client, newcomer, case["id"], "request_extension",
                   {"days": 6, "reason": "再核查", "basis": "民发〔2021〕57号"}, expect=409)
    assert r["code"] == "extension_cap_exceeded"  # 10 of the 15 already granted to the first station


async def test_a_redo_after_a_dissatisfied_callback_starts_a_new_clock(client, app, clock):
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ADULT_ID, "李建华")
    case = (await client.post("/aid/applications", json=household(person["id"]), headers=staff)).json()
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    lead = await f.login_as(app, "unit_staff", unit=station)
    agent = await f.login_as(app, "agent")
    first_due = case["deadlines"]["handle_due"]
    await _act(client, lead, case["id"], "accept")
    await _act(client, lead, case["id"], "record_check", {"findings": "入户核实收入属实", "visited_on": "2026-11-23"})
    await _act(client, lead, case["id"], "publish_notice", {"place": "园东社区居务公开栏"})
    clock.set(local(2026, 12, 1, 9))
    assert await expire_stages(app.state) == 1
    decided = await _act(client, lead, case["id"], "reject", {"reasons": "家庭财产超过规定标准"})
    clock.set(local(2026, 12, 3))
    redone = await _act(client, agent, case["id"], "callback",
                        {"reached": True, "solved": False, "satisfaction": "dissatisfied", "unit_at_fault": True})
    assert (decided["status"], redone["status"], redone["lead_unit"]["id"]) == ("replied", "dispatched", station)
    # Sent back to the station to decide again: a new round, so 25 working days from Thu 3 Dec (1 Jan skipped),
    # not the first round's due of 28 Dec carried over as a re-dispatch would carry it.
    assert first_due == end_of(2026, 12, 28)
    assert redone["deadlines"]["handle_due"] == end_of(2027, 1, 8)  # 1 Jan 2027 is 元旦
    sent_back = redone["timeline"][-1]
    assert (sent_back["type"], sent_back["data"]["deadlines"]["handling_limit"]["clause"]) == ("callback", "kind")
