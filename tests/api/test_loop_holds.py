"""The loop holds when the stakes are high or something changes: oversight while an extension waits, direct answers
that fit, decisions that match the evidence, hours that happened, every caller called back, urgency an agent sets."""

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select

from app.models import AuditLog, CaseCallback, OutboxEvent
from app.supervision.service import expire_stages, sweep
from tests import care
from tests import factories as f
from tests.api.test_aid import household
from tests.factories import act_latest as _act

ZONE = ZoneInfo("Asia/Shanghai")


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE)


async def _signed(client, app, clock, **overrides) -> tuple[dict, dict, dict]:
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, **overrides)
    lead = await f.login_as(app, "unit_staff", unit=case["lead_unit"]["id"])
    case = await f.act(client, lead, case, "sign")
    return case, lead, agent


# --- 3. oversight never sleeps ---------------------------------------------------------------------------------

async def test_an_undecided_extension_does_not_stop_the_clock(client, app, clock):
    case, lead, _ = await _signed(client, app, clock)
    dispatcher = await f.login_as(app, "dispatcher")
    due = datetime.fromisoformat(case["deadlines"]["handle_due"].replace("Z", "+00:00"))
    asked = await f.act(client, lead, case, "request_extension",
                        {"days": 3, "reason": "需要协调环保部门夜间执法", "basis": "工作规范第十条"})
    assert asked["extension_request"]["days"] == 3
    clock.advance(days=2)  # past the profile's one working day for the approver
    await sweep(app.state)
    view = (await client.get(f"/cases/{case['id']}", headers=dispatcher)).json()
    reminders = [e for e in view["timeline"] if e["type"] == "extension_reminder"]
    assert len(reminders) == 1 and reminders[0]["data"]["report_to"] == "approver"
    assert view["extension_request"]["reminded_at"]
    await sweep(app.state)  # reminded once
    view = (await client.get(f"/cases/{case['id']}", headers=dispatcher)).json()
    assert len([e for e in view["timeline"] if e["type"] == "extension_reminder"]) == 1

    clock.set(due + timedelta(hours=1))  # nobody decided: the request lapses at the due, the case is overdue
    await sweep(app.state)
    view = (await client.get(f"/cases/{case['id']}", headers=dispatcher)).json()
    types = [e["type"] for e in view["timeline"]]
    assert "extension_lapsed" in types and "handle_overdue" in types
    assert view["extension_request"] is None and view["deadlines"]["overdue"]
    assert "approve_extension" not in view["allowed_actions"]
    clock.set(due + timedelta(days=3))  # chased and then supervised like any other case
    await sweep(app.state)
    clock.advance(days=10)
    await sweep(app.state)
    view = (await client.get(f"/cases/{case['id']}", headers=dispatcher)).json()
    assert view["oversight"]["chased_at"] and view["oversight"]["supervised_at"]
    async with app.state.sessionmaker() as session:
        told = (await session.execute(select(OutboxEvent).where(OutboxEvent.case_id == case["id"],
                                                                OutboxEvent.type == "extension_lapsed"))).scalars()
        assert [r.unit_id for r in told] == [case["lead_unit"]["id"]]


async def test_a_request_decided_in_time_is_neither_reminded_nor_lapsed(client, app, clock):
    case, lead, _ = await _signed(client, app, clock)
    dispatcher = await f.login_as(app, "dispatcher")
    await f.act(client, lead, case, "request_extension", {"days": 2, "reason": "需现场复测", "basis": "规范"})
    approved = await _act(client, dispatcher, case["id"], "approve_extension")
    clock.advance(days=3)
    await sweep(app.state)
    view = (await client.get(f"/cases/{case['id']}", headers=dispatcher)).json()
    assert not {"extension_reminder", "extension_lapsed"} & {e["type"] for e in view["timeline"]}
    assert approved["deadlines"]["extension_days_granted"] == 2


# --- 4. direct answers must fit ----------------------------------------------------------------------------------

async def _article(client, app, category: str) -> str:
    agent = await f.login_as(app, "agent")
    r = await client.get("/knowledge/articles", params={"category": category}, headers=agent)
    items = r.json()["items"]
    assert items, f"the seed has an article for {category}"
    return items[0]["code"]


async def test_a_complaint_is_never_answered_directly_nor_with_another_categorys_article(client, app):
    agent = await f.login_as(app, "agent")
    allowance = await _article(client, app, "elderly.allowance")
    fumes = await f.case(client, agent, category="env.air", work_order_type="complaint", hold=True,
                         description="楼下烧烤店的油烟直接排到我家窗户，天天都是")
    r = await client.post(f"/cases/{fumes['id']}/actions/direct_answer", json={"article_code": allowance},
                          headers={**agent, "If-Match": f'"{fumes["version"]}"'})
    assert r.status_code == 422 and r.json()["code"] == "direct_answer_type_not_allowed"
    asking = await f.case(client, agent, category="env.air", work_order_type="consultation", hold=True,
                          description="想问一下餐饮油烟的排放标准是什么，去哪里投诉")
    r = await client.post(f"/cases/{asking['id']}/actions/direct_answer", json={"article_code": allowance},
                          headers={**agent, "If-Match": f'"{asking["version"]}"'})
    assert r.status_code == 422 and r.json()["code"] == "direct_answer_article_mismatch"
    assert r.json()["errors"][0]["field"] == "article_code"
    r = await client.post(f"/cases/{asking['id']}/actions/direct_answer", json={"answer": "自己的话"},
                          headers={**agent, "If-Match": f'"{asking["version"]}"'})
    assert r.status_code == 422 and r.json()["errors"][0]["field"] == "article_code"
    still = (await client.get(f"/cases/{asking['id']}", headers=agent)).json()
    assert (still["status"], still["version"]) == ("received", asking["version"])  # nothing written


async def test_a_consultation_is_answered_with_its_categorys_article(client, app):
    agent = await f.login_as(app, "agent")
    allowance = await _article(client, app, "elderly.allowance")
    case = await f.case(client, agent, category="elderly.allowance", work_order_type="consultation", hold=True,
                        description="我爸今年八十了，想问高龄津贴怎么领", region_code=care.YUANDONG)
    answered = await f.act(client, agent, case, "direct_answer", {"article_code": allowance})
    assert (answered["status"], answered["direct_answer"]) == ("replied", True)
    assert answered["reply"]["article"]["category"] == "elderly.allowance"


# --- 5. decisions match the evidence --------------------------------------------------------------------------------

async def _aid_at_decision(client, app, clock, *, recheck_income: str | None) -> tuple[dict, dict, int]:
    clock.set(local(2026, 11, 23))
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, care.ADULT_ID, "李建华")
    case = (await client.post("/aid/applications", json=household(person["id"]), headers=staff)).json()
    station = await f.unit_by_kind(app, "440304002000", "civil_affairs_station")
    lead = await f.login_as(app, "unit_staff", unit=station)
    await _act(client, lead, case["id"], "accept")
    check = {"findings": "入户核实", "visited_on": "2026-11-23"}
    if recheck_income is not None:
        check["members"] = [{"person_id": person["id"], "relationship": "applicant",
                             "monthly_income": recheck_income},
                            *household(person["id"])["members"][1:]]
    checked = await _act(client, lead, case["id"], "record_check", check)
    await _act(client, lead, case["id"], "publish_notice", {"place": "园东社区居务公开栏"})
    clock.set(local(2026, 12, 1, 9))
    assert await expire_stages(app.state) == 1
    return checked, lead, station


async def test_an_approval_against_the_households_own_recheck_needs_a_leaders_override(client, app, clock):
    checked, lead, station = await _aid_at_decision(client, app, clock, recheck_income="2500")
    # The re-check puts the household at 1,500 a head against a 1,450 line: the case shows it.
    assert checked["payload"]["eligibility"]["eligible"] is False
    assert checked["payload"]["eligibility"]["per_capita_income"] == 1500.0
    r = await _act(client, lead, checked["id"], "approve", {"amount": "1500.00"}, expect=409)
    assert r["code"] == "decision_contradicts_check"
    assert {d["code"] for d in r["departures"]} == {"check_ineligible"}
    r = await _act(client, lead, checked["id"], "approve",
                   {"amount": "1500.00", "override": {"reason": "特殊困难"}}, expect=403)
    assert r["code"] == "override_not_allowed"
    leader_id = await f.user(app, "unit_staff", unit=station, name="王站长")
    async with app.state.sessionmaker() as session:
        from app.models import User

        (await session.get(User, leader_id)).leader = True
        await session.commit()
    leader = f.bearer(app, leader_id, "unit_staff")
    r = await _act(client, leader, checked["id"], "approve", {"amount": "1500.00", "override": {}}, expect=422)
    assert r["errors"][0]["field"].endswith("reason")
    approved = await _act(client, leader, checked["id"], "approve",
                          {"amount": "1500.00", "override": {"reason": "重病支出巨大，经站务会研究特批"}})
    override = next(e for e in approved["timeline"] if e["type"] == "override")
    assert override["reason"] == "重病支出巨大，经站务会研究特批" and override["actor_user_id"] == leader_id
    assert approved["payload"]["decision"]["override"]["departures"][0]["code"] == "check_ineligible"
    assert approved["payload"]["eligibility"]["eligible"] is False  # the case still shows the latest check
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(AuditLog).where(AuditLog.action == "aid.override"))).scalars().all()
        assert len(rows) == 1 and int(rows[0].target_id) == checked["id"]


async def test_the_approved_amount_is_the_entitlement_or_needs_the_override(client, app, clock):
    checked, lead, _ = await _aid_at_decision(client, app, clock, recheck_income=None)
    assert checked["payload"]["eligibility"]["entitlement"] == "10.00"  # 1,450 × 3 − 4,340
    r = await _act(client, lead, checked["id"], "approve", {"amount": "1500.00"}, expect=409)
    assert r["code"] == "decision_contradicts_check" and r["entitlement"] == "10.00"
    approved = await _act(client, lead, checked["id"], "approve", {"amount": "10.00"})
    assert approved["stage"] == "approved"
    assert "override" not in [e["type"] for e in approved["timeline"]]


# --- 6. hours that happened ---------------------------------------------------------------------------------------

async def _booked_visit(client, app, clock) -> tuple[dict, dict, dict, datetime]:
    _, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李老伯",
                              flags=[{"flag": "living_alone", "source": "入户核实", "since": "2024-01-01"}])
    uid = await f.user(app, "volunteer", username="13912340071", name="张敏")
    vol_headers = f.bearer(app, uid, "volunteer")
    volunteer = await care.volunteer(client, vol_headers, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    order = await care.order(client, staff, elder["id"], "meal")
    start = clock.now() + timedelta(days=1)
    await care.schedule(client, staff, order, volunteer_id=volunteer["id"],
                        scheduled_at=start.astimezone(UTC).isoformat(), planned_minutes=90)
    visit = (await care.visits(client, staff, order["id"]))[0]
    return visit, staff, vol_headers, start


async def test_only_the_booked_window_counts_and_staff_confirm_the_rest(client, app, clock):
    visit, staff, volunteer, start = await _booked_visit(client, app, clock)
    clock.set(start - timedelta(minutes=60))
    r = await client.post(f"/eldercare/visits/{visit['id']}/check-in", json={}, headers=volunteer)
    assert r.status_code == 422 and r.json()["code"] == "check_in_location_required"  # the policy wants it
    r = await client.post(f"/eldercare/visits/{visit['id']}/check-in",
                          json={"latitude": 22.55, "longitude": 114.09}, headers=volunteer)
    assert r.status_code == 200, r.text
    clock.set(start + timedelta(minutes=110))  # stayed 20 minutes past the 90-minute visit
    r = await client.post(f"/eldercare/visits/{visit['id']}/check-out",
                          json={"latitude": 22.55, "longitude": 114.09}, headers=volunteer)
    done = r.json()
    assert (done["minutes"], done["certified_minutes"], done["pending_minutes"]) == (170, 90, 80)
    assert done["deposited_minutes"] == 90  # not 150, not 170
    r = await client.post(f"/eldercare/visits/{visit['id']}/window",
                          json={"ends_at": (start - timedelta(minutes=5)).astimezone(UTC).isoformat(),
                                "reason": "老人临时需要陪同"}, headers=staff)
    assert r.status_code == 422 and r.json()["code"] == "window_ends_before_start"
    r = await client.post(f"/eldercare/visits/{visit['id']}/window",
                          json={"ends_at": (start + timedelta(minutes=110)).astimezone(UTC).isoformat(),
                                "reason": "老人临时需要陪同复诊"}, headers=volunteer)
    assert r.status_code == 403  # the volunteer cannot confirm their own hours
    r = await client.post(f"/eldercare/visits/{visit['id']}/window",
                          json={"ends_at": (start + timedelta(minutes=110)).astimezone(UTC).isoformat(),
                                "reason": "老人临时需要陪同复诊"}, headers=staff)
    extended = r.json()
    assert (extended["certified_minutes"], extended["pending_minutes"]) == (110, 60)  # the early hour never counts


# --- 7. every caller is called back -----------------------------------------------------------------------------

async def test_each_merged_requester_is_called_back_on_the_masters_reply(client, app):
    agent = await f.login_as(app, "agent")
    master = await f.case(client, agent, caller_phone="13800138001")
    duplicate = await f.case(client, agent, caller_phone="13800138002")
    merged = await f.act(client, agent, duplicate, "merge", {"master_case_id": master["id"], "reason": "同一工地"})
    assert (merged["status"], merged["close_reason"]) == ("closed", "merged")
    lead = await f.login_as(app, "unit_staff", unit=master["lead_unit"]["id"])
    master = await f.act(client, lead, (await client.get(f"/cases/{master['id']}", headers=lead)).json(), "sign")
    master = await f.act(client, lead, master, "reply", {"text": "已责令工地夜间停工", "signer": "李科长"})
    dup = (await client.get(f"/cases/{duplicate['id']}", headers=agent)).json()
    assert dup["reply"]["from_master"]["number"] == master["number"] and dup["deadlines"]["callback_due"]
    assert "callback" in dup["allowed_actions"] and dup["status"] == "closed"
    dup = await f.act(client, agent, dup, "callback", {"reached": False})
    assert dup["callback_attempts"] == 1 and "callback" in dup["allowed_actions"]
    dup = await f.act(client, agent, dup, "callback", {"reached": True, "solved": True, "satisfaction": "satisfied"})
    assert dup["callback_attempts"] == 2 and "callback" not in dup["allowed_actions"]
    assert dup["close_reason"] == "merged"  # still merged: the matter counts once, on the master
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(CaseCallback).where(CaseCallback.case_id == duplicate["id"]))).scalars()
        assert [(r.reached, r.counted) for r in rows] == [(False, False), (True, False)]


# --- urgency an agent sets ---------------------------------------------------------------------------------------

async def test_an_agent_raises_and_lowers_urgency_with_a_reason_and_emergencies_lead_every_queue(client, app, clock):
    agent = await f.login_as(app, "agent")
    calm = await f.case(client, agent)
    case = await f.case(client, agent, description="工地围墙晚上一直在施工，很吵，墙好像有点歪")
    r = await client.patch(f"/cases/{case['id']}", json={"urgency": "critical"},
                           headers={**agent, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 422  # a reason is required
    raised = (await client.patch(f"/cases/{case['id']}", json={"urgency": "critical", "reason": "墙体有倒塌风险"},
                                 headers={**agent, "If-Match": f'"{case["version"]}"'})).json()
    assert raised["urgency"] == "critical"
    due = datetime.fromisoformat(raised["deadlines"]["handle_due"].replace("Z", "+00:00"))
    assert due <= clock.now() + timedelta(hours=2)
    lead = await f.login_as(app, "unit_staff", unit=raised["lead_unit"]["id"])
    queue = (await client.get("/cases", headers=lead)).json()["items"]
    assert queue[0]["id"] == case["id"] and calm["id"] in [c["id"] for c in queue]
    lowered = (await client.patch(f"/cases/{case['id']}", json={"urgency": "normal", "reason": "核实为误报"},
                                  headers={**agent, "If-Match": f'"{raised["version"]}"'})).json()
    assert lowered["deadlines"]["handle_due"] == calm["deadlines"]["handle_due"] or \
        lowered["deadlines"]["handle_due"] > raised["deadlines"]["handle_due"]
    event = [e for e in lowered["timeline"] if e["type"] == "reroute"][-1]
    assert event["data"]["urgency"] == {**event["data"]["urgency"], "from": "critical", "to": "normal"}
