"""Eldercare through HTTP: an 82-year-old living alone gets subsidised meal help from a nearby volunteer,
whose hours are certified, banked, given to her mother and redeemed for the mother's own care."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import AuditLog, CareVisit, TimebankEntry
from tests import care
from tests import factories as f
from tests.care import iso

ZONE = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh, mm) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE)


async def _count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def test_meal_help_for_an_elder_living_alone_from_matching_to_the_mothers_redemption(client, app, clock):
    unit, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国", flags=[
        {"flag": "living_alone", "source": "社区入户核实", "since": "2024-01-01"}])
    assert (elder["age"], elder["sex"], elder["birth_date"]) == (82, "male", "1944-03-12")
    assert elder["id_number"] == "110***********0033"

    # The subsidy, worked out and explained before anything is ordered.
    r = await client.post("/eldercare/eligibility", json={"person_id": elder["id"], "service_type": "meal"},
                          headers=staff)
    assert r.status_code == 200, r.text
    decision = r.json()
    assert (decision["subsidised"], decision["level"], decision["percent"]) == (True, "high", 70)
    assert [x["code"] for x in decision["reasons"]] == ["band:high", "age"]
    assert "年满 80 周岁（82 岁）" in decision["reasons"][1]["text"]

    # A volunteer registers herself; a second one lives in another subdistrict; a third lacks the skill.
    account = await f.user(app, "resident", username="13912340001", name="张敏")
    volunteer_headers = f.bearer(app, account, "resident")
    near = await care.volunteer(client, volunteer_headers, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    assert (near["status"], near["id_number"], near["phone"]) == ("approved", "440***********0023", "139****9000")
    r = await client.get("/volunteers/me", headers=volunteer_headers)
    assert (r.json()["id"], r.json()["phone"]) == (near["id"], "13900139000")  # her own, unmasked
    assert near["certificate_no"].startswith("ZYFW-440304-2026-")
    nanyuan_unit, nanyuan_staff = await care.workstation(app, care.NANYUAN)
    far = await care.volunteer(client, nanyuan_staff, care.ADULT_ID, "陈刚", region=care.NANYUAN,
                               approve_with=nanyuan_staff)
    assert far["phone"] == "139****9000"  # staff see it masked
    unskilled = await care.volunteer(client, staff, care.FUTURE_ID.replace("2030", "1990")[:17] + "X", "x",
                                     expect=422)  # a made-up number fails its checksum
    assert unskilled["code"] == "id_number_invalid"

    case = await care.order(client, staff, elder["id"], "meal", scheduled_at=iso(local(2026, 11, 24, 11, 30)),
                            notes="午餐送餐，少盐")
    assert (case["kind"], case["status"], case["stage"], case["lead_unit"]["id"]) == (
        "eldercare", "dispatched", "requested", unit)
    assert case["payload"]["eligibility"]["level"] == "high"
    assert case["deadlines"]["handle_due"] == iso(datetime(2026, 11, 25, 23, 59, 59, tzinfo=ZONE))  # 2 working days

    r = await client.get(f"/eldercare/orders/{case['id']}/candidates", headers=staff)
    assert r.status_code == 200, r.text
    ranked = r.json()
    assert "meal_delivery" in ranked["needed_skills"]
    assert [c["volunteer_id"] for c in ranked["candidates"]] == [near["id"], far["id"]]
    assert "同一社区" in ranked["candidates"][0]["reasons"]
    assert "该时段有空" in ranked["candidates"][0]["reasons"]
    assert "同一区" in ranked["candidates"][1]["reasons"]

    scheduled = await care.schedule(client, staff, case, volunteer_id=near["id"],
                                    scheduled_at=iso(local(2026, 11, 24, 11, 30)), planned_minutes=60)
    assert (scheduled["status"], scheduled["stage"]) == ("in_progress", "scheduled")
    [visit] = await care.visits(client, staff, case["id"])

    r = await client.get("/volunteers/me/visits", headers=volunteer_headers)
    assert r.status_code == 200, r.text
    [mine] = r.json()
    assert (mine["id"], mine["elder_name"], mine["elder_phone"]) == (visit["id"], "李建国", "138****8000")

    clock.set(local(2026, 11, 24, 11, 25))
    checked_in = await care.check(client, volunteer_headers, visit["id"], "check-in", latitude=22.55,
                                  longitude=114.1)
    assert checked_in["status"] == "checked_in"
    clock.set(local(2026, 11, 24, 12, 40))
    done = await care.check(client, volunteer_headers, visit["id"], "check-out")
    # 75 minutes on the spot, 60 of them the booked hour: those are banked; the rest waits for staff to extend
    # the window with a reason.
    assert (done["status"], done["minutes"], done["deposited_minutes"]) == ("done", 75, 60)
    assert (done["certified_minutes"], done["pending_minutes"]) == (60, 15)
    # The workstation confirms the quarter hour she stayed on, by extending the window with its reason.
    r = await client.post(f"/eldercare/visits/{visit['id']}/window", headers=staff,
                          json={"ends_at": local(2026, 11, 24, 12, 40).isoformat(), "reason": "饭后陪老人散步"})
    assert r.status_code == 200, r.text
    # The five minutes before the booked start never count: she came early, the service began at 11:30.
    assert (r.json()["certified_minutes"], r.json()["pending_minutes"]) == (70, 5)

    agent = await f.login_as(app, "agent")
    rated = await care.check(client, agent, visit["id"], "rating", stars=5, comment="老人说饭菜可口")
    assert (rated["rating"], rated["rated_as"]) == (5, "callback")
    r = await client.get(f"/cases/{case['id']}", headers=staff)
    completed = await f.act(client, staff, r.json(), "complete")
    assert (completed["status"], completed["stage"]) == ("replied", "served")
    assert "共上门 1 次" in completed["reply"]["text"]
    types = [e["type"] for e in completed["timeline"]]
    assert types[-6:] == ["schedule", "visit_check_in", "visit_check_out", "visit_window_extended", "visit_rate",
                          "complete"]

    r = await client.get(f"/volunteers/{near['id']}/record", headers=volunteer_headers)
    record = r.json()
    assert (record["hours"], record["stars"], record["next_star_at_hours"], record["tasks"]) == (1.17, 0, 100, 1)
    assert record["entries"][0]["issuing_unit"].endswith("园东社区工作站")
    assert record["certificate_no"] == near["certificate_no"]

    # Her 65-year-old mother, in the register and linked as her parent, receives an hour.
    mother = await care.person(client, staff, care.MOTHER_ID, "张母")
    await care.link(client, staff, near["person_id"], mother["id"], "parent")
    r = await client.post("/timebank/transfers", json={"to_person_id": elder["id"], "hours": 1},
                          headers=volunteer_headers)
    assert (r.status_code, r.json()["code"]) == (422, "transfer_not_relative")
    r = await client.post("/timebank/transfers", json={"to_person_id": mother["id"], "hours": 1},
                          headers=volunteer_headers)
    assert r.status_code == 201, r.text
    assert r.json()["balance_hours"] == 0.17

    mothers_order = await care.order(client, staff, mother["id"], "cleaning")
    assert mothers_order["payload"]["eligibility"]["subsidised"] is False
    # Hours pay for the care the order has booked or had (issue 23): an hour's cleaning visit is booked first.
    mothers_order = await care.schedule(client, staff, mothers_order, provider_unit_id=unit,
                                        scheduled_at=iso(clock.now() + timedelta(days=1)))
    r = await client.post("/timebank/redemptions", json={"person_id": mother["id"], "case_id": case["id"],
                                                         "hours": 1}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (422, "redemption_not_own_care")
    r = await client.post("/timebank/redemptions", json={"person_id": mother["id"], "case_id": mothers_order["id"],
                                                         "hours": 1}, headers=staff)
    assert r.status_code == 201, r.text
    r = await client.post("/timebank/redemptions", json={"person_id": mother["id"], "case_id": mothers_order["id"],
                                                         "hours": 0.5}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (409, "timebank_insufficient")

    r = await client.get(f"/timebank/accounts/{mother['id']}", headers=staff)
    account = r.json()
    assert account["hours"] == 0
    assert [e["type"] for e in account["entries"]] == ["redemption", "transfer_in"]
    r = await client.get(f"/cases/{mothers_order['id']}", headers=staff)
    assert r.json()["payload"]["timebank_minutes"] == 60
    assert r.json()["timeline"][-1]["type"] == "timebank_redeem"
    assert await _count(app, TimebankEntry) == 5  # two deposits (the window extended), transfer out and in, redemption


async def test_the_register_checks_identity_masks_it_and_audits_every_full_read(client, app):
    _, staff = await care.workstation(app)
    before = await _count(app, AuditLog)
    bad = await care.person(client, staff, care.ELDER_ID[:-1] + "4", "李建国", expect=422)
    assert (bad["code"], bad["errors"][0]["field"]) == ("id_number_invalid", "id_number")
    future = await care.person(client, staff, care.FUTURE_ID, "未来", expect=422)
    assert future["code"] == "id_number_birth_future"
    unknown = await care.person(client, staff, care.ELDER_ID, "李建国", region="440304999999", expect=422)
    assert unknown["code"] == "region_not_found"
    wrong_flag = await care.person(client, staff, care.ELDER_ID, "李建国", expect=422,
                                   flags=[{"flag": "care_level", "source": "评估机构", "since": "2025-01-01"}])
    assert wrong_flag["code"] == "validation_failed"
    assert await _count(app, AuditLog) == before  # nothing written by the refusals

    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    again = await care.person(client, staff, care.ELDER_ID, "李建国", expect=409)
    assert (again["code"], again["person_id"]) == ("person_exists", elder["id"])

    r = await client.get(f"/people/{elder['id']}", headers=staff)
    assert (r.json()["id_number"], r.json()["phone"]) == ("110***********0033", "13800138000")
    r = await client.get("/people", headers=staff)
    assert r.json()["items"][0]["phone"] == "138****8000"
    assert care.ELDER_ID not in r.text

    r = await client.post(f"/people/{elder['id']}/reveal", json={"reason": "办理高龄津贴核对身份"}, headers=staff)
    assert r.json()["id_number"] == care.ELDER_ID
    async with app.state.sessionmaker() as session:
        actions = list((await session.execute(select(AuditLog.action, AuditLog.detail).where(
            AuditLog.target_type == "person", AuditLog.target_id == str(elder["id"])))).all())
    assert [a for a, _ in actions] == ["person.create", "person.read", "person.reveal"]
    assert actions[-1][1] == {"reason": "办理高龄津贴核对身份"}

    # Other people's records: a resident, a volunteer, staff of another subdistrict see nothing.
    stranger = await f.login_as(app, "resident", username="13912340002")
    _, other_staff = await care.workstation(app, care.NANYUAN)
    volunteer = await f.login_as(app, "volunteer")
    for headers in (stranger, other_staff, volunteer):
        r = await client.get(f"/people/{elder['id']}", headers=headers)
        assert (r.status_code, r.json()["code"]) == (404, "person_not_found")
        r = await client.post(f"/people/{elder['id']}/reveal", json={"reason": "想看看"}, headers=headers)
        assert r.status_code == 404
    r = await client.post("/eldercare/eligibility", json={"person_id": elder["id"], "service_type": "meal"},
                          headers=stranger)
    assert r.status_code == 404


async def test_volunteer_registration_refuses_minors_without_consent_and_records_it_with(client, app):
    _, staff = await care.workstation(app)
    child = await care.volunteer(client, staff, care.CHILD_ID, "小明", expect=422)
    assert (child["code"], child["errors"][0]["field"]) == ("guardian_consent_required", "guardian")
    guardian = {"name": "王父", "phone": "13600136000", "relationship": "parent", "consent": False}
    refused = await care.volunteer(client, staff, care.CHILD_ID, "小明", guardian=guardian, expect=422)
    assert refused["errors"][0]["field"] == "guardian.consent"
    teen = await care.volunteer(client, staff, care.TEEN_ID, "小红", expect=422)  # 16: the policy asks it too
    assert teen["code"] == "guardian_consent_required"
    assert await _count(app, CareVisit) == 0
    accepted = await care.volunteer(client, staff, care.CHILD_ID, "小明", guardian={**guardian, "consent": True},
                                    emergency_contact=None, skills=["companionship"])
    assert (accepted["status"], accepted["guardian"]["consent"], accepted["guardian"]["phone"]) == (
        "pending", True, "136****6000")
    unknown = await care.volunteer(client, staff, care.ADULT_ID, "成人", skills=["flying"], expect=422)
    assert (unknown["code"], unknown["errors"][0]["field"]) == ("skill_unknown", "skills.0")
    r = await client.post(f"/volunteers/{accepted['id']}/approve", json={}, headers=staff)
    assert r.json()["status"] == "approved"
    r = await client.post(f"/volunteers/{accepted['id']}/approve", json={}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (409, "volunteer_not_pending")


async def test_no_response_of_any_role_carries_an_id_number_and_phones_only_where_entitled(client, app, clock):
    unit, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国", phone="13800138000")
    account = await f.user(app, "volunteer", username="13900139000", name="张敏")
    volunteer_headers = f.bearer(app, account, "volunteer")
    near = await care.volunteer(client, volunteer_headers, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    case = await care.order(client, staff, elder["id"], "meal")
    case = await care.schedule(client, staff, case, volunteer_id=near["id"], scheduled_at=iso(clock.now()))
    [visit] = await care.visits(client, staff, case["id"])
    await care.check(client, volunteer_headers, visit["id"], "check-in")
    clock.advance(minutes=50)
    await care.check(client, volunteer_headers, visit["id"], "check-out")
    stranger = await f.login_as(app, "resident", username="13912340009")
    agent = await f.login_as(app, "agent")
    reads = {
        "staff": (staff, [f"/people/{elder['id']}", "/people", "/volunteers", f"/volunteers/{near['id']}",
                          f"/eldercare/orders/{case['id']}/candidates", f"/cases/{case['id']}", "/cases",
                          f"/eldercare/orders/{case['id']}/visits", f"/volunteers/{near['id']}/record",
                          f"/timebank/accounts/{near['person_id']}"]),
        "agent": (agent, [f"/cases/{case['id']}", f"/eldercare/orders/{case['id']}/visits", "/cases"]),
        "volunteer": (volunteer_headers, ["/volunteers/me", "/volunteers/me/visits", "/people/me",
                                          f"/volunteers/{near['id']}/record",
                                          f"/timebank/accounts/{near['person_id']}", f"/people/{elder['id']}",
                                          f"/cases/{case['id']}"]),
        "stranger": (stranger, [f"/people/{elder['id']}", f"/volunteers/{near['id']}", f"/cases/{case['id']}",
                                f"/timebank/accounts/{elder['id']}", "/volunteers/me/visits"]),
    }
    entitled = {("staff", f"/people/{elder['id']}"): {"13800138000"},
                ("volunteer", "/volunteers/me"): {"13900139000", "13700137000"},  # her own emergency contact
                ("volunteer", "/people/me"): {"13900139000"}}
    seen = 0
    for role, (headers, urls) in reads.items():
        for url in urls:
            r = await client.get(url, headers=headers)
            assert r.status_code in (200, 403, 404), (role, url, r.status_code)
            seen += r.status_code == 200
            for number in (care.ELDER_ID, care.VOLUNTEER_ID):
                assert number not in r.text, (role, url)
            for phone in ("13800138000", "13900139000", "13700137000"):
                assert phone not in r.text or phone in entitled.get((role, url), set()), (role, url, phone)
    assert seen == 18
    async with app.state.sessionmaker() as session:
        audited = set((await session.execute(select(AuditLog.action).where(
            AuditLog.actor_user_id.is_not(None), AuditLog.action.in_(
                ("person.read", "volunteer.record", "timebank.read"))))).scalars())
    assert audited == {"person.read", "volunteer.record", "timebank.read"}
