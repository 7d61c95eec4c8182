"""Callbacks, ratings, redo, merge and major cases through HTTP, good paths and bad."""

from sqlalchemy import func, select

from app.models import Case, CaseCallback, CaseEvent
from tests import factories as f

ECO_DISTRICT = "440304000000"
REPLY = {"text": "已责令工地夜间停工", "signer": "王科长", "basis": "噪声法第四十三条"}
SATISFIED = {"reached": True, "solved": True, "satisfaction": "satisfied"}


async def _replied(client, app, agent, **overrides):
    eco = await f.unit_by_kind(app, ECO_DISTRICT, "ecology_environment_bureau")
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    case = await f.case(client, agent, **overrides)
    case = await f.act(client, eco_staff, case, "sign")
    case = await f.act(client, eco_staff, case, "reply", REPLY)
    return case, eco, eco_staff


async def _count(app, model, **where) -> int:
    async with app.state.sessionmaker() as session:
        stmt = select(func.count()).select_from(model)
        for k, v in where.items():
            stmt = stmt.where(getattr(model, k) == v)
        return (await session.execute(stmt)).scalar_one()


async def test_satisfied_callback_closes(client, app):
    agent = await f.login_as(app, "agent")
    case, *_ = await _replied(client, app, agent)
    case = await f.act(client, agent, case, "callback", {**SATISFIED, "note": "群众表示噪音已停"})
    assert (case["status"], case["close_reason"]) == ("closed", "satisfied")
    event = case["timeline"][-1]
    assert event["type"] == "callback" and event["data"]["result"] == "closed" and event["reason"] == "群众表示噪音已停"


async def test_dissatisfied_with_the_unit_at_fault_sends_it_back_to_the_same_unit(client, app, clock):
    agent = await f.login_as(app, "agent")
    case, eco, eco_staff = await _replied(client, app, agent)
    first_due = case["deadlines"]["handle_due"]
    clock.advance(days=1)
    case = await f.act(client, agent, case, "callback", {"reached": True, "solved": False,
                                                         "satisfaction": "dissatisfied", "unit_at_fault": True})
    assert case["status"] == "dispatched" and case["lead_unit"]["id"] == eco
    assert case["redo_count"] == 1 and case["reply"] is None
    assert case["deadlines"]["handle_due"] > first_due  # a new clock from the redo
    leads = [a for a in case["assignments"] if a["role"] == "lead"]
    assert [(a["status"], a["active"]) for a in leads] == [("redo", False), ("dispatched", True)]
    redo = case["timeline"][-1]
    assert redo["type"] == "callback" and redo["data"]["result"] == "redo"
    assert redo["data"]["previous_reply"]["text"] == REPLY["text"]
    # The unit works it again and the next callback closes it.
    case = await f.act(client, eco_staff, case, "sign")
    case = await f.act(client, eco_staff, case, "reply", {**REPLY, "text": "已查封施工设备"})
    case = await f.act(client, agent, case, "callback", {"reached": True, "solved": True,
                                                         "satisfaction": "basically_satisfied"})
    assert (case["status"], case["close_reason"]) == ("closed", "basically_satisfied")
    assert await _count(app, CaseCallback, case_id=case["id"], counted=True) == 2  # one per reply


async def test_dissatisfied_not_the_units_fault_closes_as_dissatisfied(client, app):
    agent = await f.login_as(app, "agent")
    case, *_ = await _replied(client, app, agent)
    case = await f.act(client, agent, case, "callback", {"reached": True, "solved": False,
                                                         "satisfaction": "dissatisfied"})
    assert (case["status"], case["close_reason"]) == ("closed", "dissatisfied")


async def test_unreached_three_times_closes_as_unreached(client, app):
    agent = await f.login_as(app, "agent")
    case, *_ = await _replied(client, app, agent)
    case = await f.act(client, agent, case, "callback", {"reached": False})
    assert case["status"] == "replied" and case["callback_attempts"] == 1
    case = await f.act(client, agent, case, "callback", {"reached": False, "note": "无人接听"})
    assert case["status"] == "replied" and case["callback_attempts"] == 2
    case = await f.act(client, agent, case, "callback", {"reached": False})
    assert (case["status"], case["close_reason"]) == ("closed", "unreached")
    assert case["callback_attempts"] == 3  # every attempt counts, the last unreached one too
    assert await _count(app, CaseCallback, case_id=case["id"]) == 3
    assert await _count(app, CaseCallback, case_id=case["id"], counted=True) == 0


async def test_resident_rates_their_own_reply(client, app):
    resident = await f.login_as(app, "resident", username="13900139000")
    agent = await f.login_as(app, "agent")
    case, *_ = await _replied(client, app, resident, channel="app")
    other = await f.login_as(app, "resident", username="13900139001")
    assert (await client.post(f"/cases/{case['id']}/actions/rate", json={"solved": True, "satisfaction": "satisfied"},
                              headers={**other, "If-Match": f'"{case["version"]}"'})).status_code == 404
    rated = await f.act(client, resident, case, "rate", {"solved": False, "satisfaction": "dissatisfied",
                                                         "comment": "还是很吵"})
    assert rated["status"] == "replied"  # the centre calls back to judge who is at fault
    again = await f.act(client, resident, rated, "rate", {"solved": True, "satisfaction": "satisfied"}, expect=409)
    assert again["code"] == "already_rated"
    closed = await f.act(client, agent, rated, "callback", {"reached": True, "solved": False,
                                                            "satisfaction": "dissatisfied"})
    assert closed["close_reason"] == "dissatisfied"
    # 一事一评: the centre's callback replaced the resident's rating in the statistics.
    assert await _count(app, CaseCallback, case_id=case["id"], counted=True) == 1


async def test_callback_bad_paths_write_nothing(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    events = await _count(app, CaseEvent, case_id=case["id"])
    not_replied = await f.act(client, agent, case, "callback", SATISFIED, expect=409)
    assert not_replied["code"] == "action_not_allowed" and "callback" not in not_replied["allowed_actions"]
    case, *_ = await _replied(client, app, agent)
    events = await _count(app, CaseEvent, case_id=case["id"])
    for body in ({"reached": True}, {"reached": False, "satisfaction": "satisfied"},
                 {"reached": True, "solved": True, "satisfaction": "happy"},
                 {"reached": True, "solved": True, "satisfaction": "satisfied", "unit_at_fault": True},
                 {"reached": "maybe"}, {}):
        problem = await f.act(client, agent, case, "callback", body, expect=422)
        assert problem["code"] == "validation_failed" and problem["errors"]
    assert await _count(app, CaseEvent, case_id=case["id"]) == events
    assert await _count(app, CaseCallback, case_id=case["id"]) == 0


async def test_merge_closes_the_duplicate_and_shows_the_masters_progress(client, app):
    agent = await f.login_as(app, "agent")
    master, eco, eco_staff = await _replied(client, app, agent)
    master = (await client.get(f"/cases/{master['id']}", headers=agent)).json()
    dup = await f.case(client, agent, description="同一个工地晚上施工，吵得睡不着", caller_phone="13700137000")
    dup = await f.act(client, agent, dup, "merge", {"master_case_id": master["id"], "reason": "同一工地"})
    assert (dup["status"], dup["close_reason"]) == ("closed", "merged")
    assert dup["merged_into"]["number"] == master["number"]
    assert dup["merged_into"]["status"] == "replied" and dup["merged_into"]["reply_text"] == REPLY["text"]
    assert all(not a["active"] and a["status"] == "merged" for a in dup["assignments"])
    master = (await client.get(f"/cases/{master['id']}", headers=agent)).json()
    assert master["timeline"][-1]["type"] == "merged_in"
    assert master["merged_duplicates"] == [{"id": dup["id"], "number": dup["number"]}]
    # The unit no longer sees the duplicate in its queue.
    queue = await f.all_pages(client, "/cases", {"status": "dispatched"}, eco_staff)
    assert dup["id"] not in {c["id"] for c in queue}


async def test_merge_bad_paths(client, app):
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    a = await f.case(client, agent)
    b = await f.case(client, agent)
    other_category = await f.case(client, agent, category="city.sanitation", description="垃圾桶满了三天没人清")
    withdrawn = await f.case(client, agent)
    withdrawn = await f.act(client, agent, withdrawn, "withdraw", {"reason": "来电人撤回"})
    cases_before = await _count(app, CaseEvent)
    assert (await f.act(client, agent, a, "merge", {"master_case_id": a["id"]}, expect=422))["code"] == \
        "merge_into_self"
    assert (await f.act(client, agent, a, "merge", {"master_case_id": 999999}, expect=422))["code"] == \
        "merge_master_not_found"
    assert (await f.act(client, agent, a, "merge", {"master_case_id": other_category["id"]},
                        expect=409))["code"] == "merge_category_mismatch"
    assert (await f.act(client, agent, a, "merge", {"master_case_id": withdrawn["id"]}, expect=409))["code"] == \
        "merge_master_closed"
    assert (await f.act(client, agent, a, "merge", {"master_case_id": "b"}, expect=422))["code"] == \
        "validation_failed"
    assert await _count(app, CaseEvent) == cases_before
    # A duplicate merged into b follows b when b itself is merged into a.
    c = await f.case(client, agent)
    await f.act(client, dispatcher, c, "merge", {"master_case_id": b["id"]})
    b = (await client.get(f"/cases/{b['id']}", headers=agent)).json()  # taking a duplicate changed the master
    await f.act(client, dispatcher, b, "merge", {"master_case_id": a["id"]})
    async with app.state.sessionmaker() as session:
        assert (await session.get(Case, c["id"])).merged_into_id == a["id"]


async def test_major_case_accountability(client, app):
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    case = await f.case(client, agent)
    body = {"leader": "李副区长", "leader_title": "副区长", "team": ["区城管局", "区生态环境局", "南园街道"],
            "plan": "联合执法，夜间巡查，限期整改", "resolve_by": "2026-12-31"}
    refused = await f.act(client, agent, case, "mark_major", body, expect=409)
    assert refused["code"] == "action_not_allowed"
    for bad in ({**body, "team": []}, {**body, "resolve_by": "明年"}, {k: v for k, v in body.items() if k != "plan"}):
        assert (await f.act(client, dispatcher, case, "mark_major", bad, expect=422))["code"] == "validation_failed"
    case = await f.act(client, dispatcher, case, "mark_major", body)
    assert case["major"]["leader"] == "李副区长" and case["major"]["resolve_by"] == "2026-12-31"
    event = case["timeline"][-1]
    assert event["type"] == "mark_major" and event["data"]["major"]["team"][0] == "区城管局"


async def test_actions_take_the_current_version(client, app):
    agent = await f.login_as(app, "agent")
    case, *_ = await _replied(client, app, agent)
    stale = {**case, "version": case["version"] - 1}
    assert (await f.act(client, agent, stale, "callback", SATISFIED, expect=412))["code"] == "version_stale"
