"""Issue 23, item 5 for eldercare: the subsidy an order runs under is held to the latest eligibility result.

A subsidy other than the result's (more, less, or one the result does not give), and a visit booked under a
subsidy the result no longer supports, are refused unless a leader overrides with a reason; the override is
recorded, audited, on the timeline and in the unit's figures, and the order always shows the latest result."""

from datetime import timedelta

from sqlalchemy import func, select

from app.models import AuditLog, CareVisit, CaseEvent
from tests import care
from tests import factories as f
from tests.care import iso

PERIOD = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-12-31T00:00:00+08:00"}


async def _count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def _refused(client, headers, case: dict, action: str, body: dict, status: int, code: str) -> dict:
    """The action is refused with `code`, and nothing about the case changed."""
    before = (await client.get(f"/cases/{case['id']}", headers=headers)).json()
    r = await client.post(f"/cases/{case['id']}/actions/{action}", json=body,
                          headers={**headers, "If-Match": f'"{case["version"]}"'})
    assert (r.status_code, r.json()["code"]) == (status, code), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    after = (await client.get(f"/cases/{case['id']}", headers=headers)).json()
    assert (after["version"], after["payload"], len(after["timeline"])) == (
        before["version"], before["payload"], len(before["timeline"]))
    return r.json()


async def test_a_subsidy_other_than_the_eligibility_result_needs_a_leaders_override(client, app, clock):
    unit, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")  # 82: the priority band, 70%
    case = await care.order(client, staff, elder["id"], "meal")
    latest = case["payload"]["eligibility"]
    assert (latest["subsidised"], latest["level"], latest["percent"]) == (True, "high", 70)
    assert latest["checked_at"]
    audits = await _count(app, AuditLog, AuditLog.action == "eldercare.override")

    # More than the result gives, less (withheld), the band's level at another share: each refused, nothing written.
    for body, departure in (({"level": "full"}, "subsidy_not_entitled"), ({}, "subsidy_not_entitled"),
                            ({"level": "high", "percent": 90}, "subsidy_not_entitled")):
        problem = await _refused(client, staff, case, "decide_subsidy", body, 409, "decision_contradicts_check")
        assert [d["code"] for d in problem["departures"]] == [departure]
        assert (problem["departures"][0]["entitled_level"], problem["departures"][0]["entitled_percent"]) == (
            "high", 70)
    problem = await _refused(client, staff, case, "decide_subsidy", {"level": "gold"}, 422, "subsidy_level_unknown")
    assert problem["errors"][0]["field"] == "level"

    # Bad overrides: no reason, a reason too thin to read, a role that may not override.
    for override in ({}, {"reason": "  特批 "[:3]}):
        problem = await _refused(client, staff, case, "decide_subsidy", {"level": "full", "override": override},
                                 422, "override_reason_required")
        assert problem["errors"] == [{"field": "override.reason", "code": "override_reason_required",
                                      "message": problem["errors"][0]["message"]}]
    await _refused(client, staff, case, "decide_subsidy", {"level": "full", "override": {"reason": "独居且行动不便"}},
                   403, "override_not_allowed")
    agent = await f.login_as(app, "agent")
    r = await client.post(f"/cases/{case['id']}/actions/decide_subsidy",
                          json={"level": "full", "override": {"reason": "独居且行动不便"}},
                          headers={**agent, "If-Match": f'"{case["version"]}"'})
    assert r.status_code in (403, 404, 409)  # not the lead unit: never an override
    assert await _count(app, AuditLog, AuditLog.action == "eldercare.override") == audits
    assert await _count(app, CaseEvent, CaseEvent.case_id == case["id"], CaseEvent.type == "override") == 0

    # The leader signs it off: recorded with the decision, audited, on the timeline.
    leader_id, leader = await f.leader(app, unit, "王站长")
    reason = "独居且行动不便，站务会研究同意全额补贴"
    decided = await f.act(client, leader, case, "decide_subsidy",
                          {"level": "full", "note": "子女长期在外", "override": {"reason": reason}})
    subsidy = decided["payload"]["subsidy"]
    assert (subsidy["level"], subsidy["percent"], subsidy["by_rule"]) == ("full", 100, False)
    assert subsidy["override"]["reason"] == "独居且行动不便，站务会研究同意全额补贴"
    assert subsidy["override"]["departures"][0]["code"] == "subsidy_not_entitled"
    override = next(e for e in decided["timeline"] if e["type"] == "override")
    assert (override["actor_user_id"], override["data"]["decision"]) == (leader_id, "decide_subsidy")
    assert decided["timeline"][-1]["type"] == "decide_subsidy"
    assert (decided["payload"]["eligibility"]["level"], decided["payload"]["eligibility"]["percent"]) == ("high", 70)
    async with app.state.sessionmaker() as session:
        [row] = (await session.execute(select(AuditLog).where(AuditLog.action == "eldercare.override"))).scalars()
        assert (int(row.target_id), row.detail["decision"]) == (case["id"], "decide_subsidy")

    # A decision that matches the result needs no override, from anyone at the unit.
    again = await f.act(client, staff, decided, "decide_subsidy", {"level": "high"})
    assert again["payload"]["subsidy"]["override"] is None
    assert [e["type"] for e in again["timeline"]].count("override") == 1

    # The figures count the override on the unit's reply.
    scheduled, _ = await care.serve_visit(client, clock, staff, again, staff, minutes=60, provider_unit_id=unit)
    current = (await client.get(f"/cases/{scheduled['id']}", headers=staff)).json()
    await f.act(client, staff, current, "complete")
    body = (await client.get(f"/metrics/units/{unit}", params=PERIOD, headers=staff)).json()
    assert body["rates"]["override"] == {"value": 1.0, "numerator": 1, "denominator": 1}


async def test_the_order_shows_the_latest_result_and_a_visit_under_an_outdated_subsidy_needs_the_override(
        client, app, clock):
    unit, staff = await care.workstation(app)
    mother = await care.person(client, staff, care.MOTHER_ID, "张母", flags=[
        {"flag": "care_level", "value": "3", "source": "评估机构", "since": "2026-01-01"}])
    case = await care.order(client, staff, mother["id"], "cleaning")
    assert (case["payload"]["eligibility"]["level"], case["payload"]["eligibility"]["percent"]) == ("full", 100)
    case = await f.act(client, staff, case, "decide_subsidy", {"level": "full"})
    assert case["payload"]["subsidy"]["by_rule"] is False

    # A new assessment finds her able (care level 1): the order shows it as soon as the unit acts on it.
    r = await client.post(f"/people/{mother['id']}/flags",
                          json={"flag": "care_level", "value": "1", "source": "评估机构复评", "since": "2026-11-20"},
                          headers=staff)
    assert r.status_code == 201, r.text
    case = await f.act(client, staff, case, "reassess", {"note": "收到复评结果"})
    latest = case["payload"]["eligibility"]
    assert (latest["subsidised"], latest["level"], latest["percent"]) == (False, None, 0)
    changed = next(e for e in case["timeline"] if e["type"] == "eligibility_changed")
    assert (changed["data"]["before"]["level"], changed["data"]["after"]["subsidised"]) == ("full", False)
    assert case["timeline"][-1]["data"]["eligibility"]["subsidised"] is False

    # Booking a visit under the full subsidy the latest result no longer gives: refused, no visit written.
    at = clock.now() + timedelta(hours=2)
    body = {"provider_unit_id": unit, "scheduled_at": iso(at)}
    problem = await _refused(client, staff, case, "schedule", body, 409, "decision_contradicts_check")
    assert [d["code"] for d in problem["departures"]] == ["care_ineligible"]
    await _refused(client, staff, case, "schedule", {**body, "override": {"reason": "复评结果有异议，申请复核中"}}, 403,
                   "override_not_allowed")
    await _refused(client, staff, case, "schedule", {**body, "override": {"reason": ""}}, 422,
                   "override_reason_required")
    assert await _count(app, CareVisit, CareVisit.case_id == case["id"]) == 0

    # The leader books it under the old subsidy while the re-assessment is disputed; the next visit needs nothing
    # more (the result has not changed since), and a new decision at the latest result needs no override.
    _, leader = await f.leader(app, unit, "王站长")
    booked = await f.act(client, leader, case, "schedule",
                         {**body, "override": {"reason": "复评结果有异议，申请复核中"}})
    assert booked["timeline"][-2]["type"] == "override" and booked["timeline"][-2]["data"]["decision"] == "schedule"
    assert booked["timeline"][-1]["data"]["subsidy"] == {"level": "full", "percent": 100, "by_rule": False}
    booked = await f.act(client, staff, booked, "schedule", {"provider_unit_id": unit,
                                                             "scheduled_at": iso(at + timedelta(days=1))})
    assert [e["type"] for e in booked["timeline"]].count("override") == 1
    ended = await f.act(client, staff, booked, "decide_subsidy", {})
    assert (ended["payload"]["subsidy"]["level"], ended["payload"]["subsidy"]["percent"]) == (None, 0)
    assert await _count(app, AuditLog, AuditLog.action == "eldercare.override") == 1


async def test_a_visit_with_no_subsidy_decided_follows_the_latest_result_by_rule(client, app, clock):
    unit, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    case = await care.order(client, staff, elder["id"], "meal")
    at = clock.now() + timedelta(hours=1)
    case = await care.schedule(client, staff, case, provider_unit_id=unit, scheduled_at=iso(at))
    assert case["payload"]["subsidy"] | {"at": None, "by_user_id": None} == {
        "level": "high", "percent": 70, "by_rule": True, "note": None, "override": None, "at": None,
        "by_user_id": None, "basis": {"subsidised": True, "level": "high", "percent": 70}}
    # A leader's override where nothing departs is not recorded; one without a reason is still bad input.
    _, leader = await f.leader(app, unit, "王站长")
    await _refused(client, leader, case, "schedule", {"provider_unit_id": unit, "scheduled_at": iso(at),
                                                      "override": {}}, 422, "override_reason_required")
    case = await f.act(client, leader, case, "schedule", {"provider_unit_id": unit,
                                                          "scheduled_at": iso(at + timedelta(days=1)),
                                                          "override": {"reason": "多余的签批理由"}})
    assert "override" not in [e["type"] for e in case["timeline"]]
