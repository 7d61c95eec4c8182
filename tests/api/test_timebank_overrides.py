"""Issue 23, item 5 for the time bank: a redemption is held to what the order leaves to pay.

Hours pay for the elder's own share (after the order's subsidy) of the care the order has booked or had, less
what hours already paid. More is refused unless a leader at the time-bank counter overrides with a reason
(recorded, audited, on the order's timeline, in the unit's figures). A balance never goes negative, override or
not."""

from datetime import timedelta

from sqlalchemy import func, select

from app.models import AuditLog, CaseEvent, TimebankAccount, TimebankEntry
from app.volunteers import ledger
from tests import care
from tests import factories as f
from tests.care import iso

PERIOD = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-12-31T00:00:00+08:00"}


def test_what_an_order_leaves_to_pay():
    assert ledger.redeemable_minutes(90, 0, 0) == 90
    assert ledger.redeemable_minutes(90, 70, 0) == 27  # the subsidy pays 70%: the elder's share is 27 minutes
    assert ledger.redeemable_minutes(90, 100, 0) == 0
    assert ledger.redeemable_minutes(90, 0, 60) == 30
    assert ledger.redeemable_minutes(90, 0, 120) == 0
    assert ledger.redemption_departures(30, 90, 0, 60) == []
    [departure] = ledger.redemption_departures(45, 90, 0, 60)
    assert (departure["code"], departure["redeemable_minutes"]) == ("redemption_over_order", 30)


async def _count(app, model, *where) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model).where(*where))).scalar_one()


async def _minutes(app, person_id: int) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(TimebankAccount.minutes).where(
            TimebankAccount.person_id == person_id))).scalar_one()


async def _banked(client, app, clock, unit, staff) -> tuple[dict, dict]:
    """A volunteer with 3 hours banked from a visit to an elder; her own order, with nothing booked yet."""
    uid = await f.user(app, "volunteer", username="13912340001", name="张敏")
    headers = f.bearer(app, uid, "volunteer")
    volunteer = await care.volunteer(client, headers, care.VOLUNTEER_ID, "张敏", approve_with=staff,
                                     skills=["companionship", "meal_delivery"])
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    order = await care.order(client, staff, elder["id"], "meal")
    await care.serve_visit(client, clock, staff, order, headers, minutes=180, volunteer_id=volunteer["id"],
                           planned_minutes=180)
    assert await _minutes(app, volunteer["person_id"]) == 180
    own = await care.order(client, staff, volunteer["person_id"], "cleaning")
    return {**volunteer, "headers": headers}, own


async def _redeem(client, headers, body: dict, status: int, code: str | None = None) -> dict:
    r = await client.post("/timebank/redemptions", json=body, headers=headers)
    assert r.status_code == status, r.text
    if code is not None:
        assert r.json()["code"] == code and r.headers["content-type"].startswith("application/problem+json")
    return r.json()


async def test_a_redemption_beyond_what_the_order_leaves_to_pay_needs_a_leaders_override(client, app, clock):
    unit, staff = await care.workstation(app)
    volunteer, own = await _banked(client, app, clock, unit, staff)
    headers, person = volunteer["headers"], volunteer["person_id"]
    entries = await _count(app, TimebankEntry)

    # Nothing booked on her order: hours would pay for nothing.
    problem = await _redeem(client, headers, {"case_id": own["id"], "hours": 1}, 409, "decision_contradicts_check")
    [departure] = problem["departures"]
    assert (departure["code"], departure["redeemable_minutes"], departure["minutes"]) == ("redemption_over_order",
                                                                                         0, 60)
    # A 90-minute visit booked: 1.5 hours may pay for it, no more.
    own = (await client.get(f"/cases/{own['id']}", headers=staff)).json()
    own = await care.schedule(client, staff, own, provider_unit_id=unit, planned_minutes=90,
                              scheduled_at=iso(clock.now() + timedelta(days=1)))
    problem = await _redeem(client, headers, {"case_id": own["id"], "hours": 2}, 409, "decision_contradicts_check")
    assert problem["departures"][0]["redeemable_minutes"] == 90
    await _redeem(client, headers, {"case_id": own["id"], "hours": 1.5}, 201)
    assert await _minutes(app, person) == 90
    entries += 1

    # Bad overrides, each refused with nothing written: the holder herself may not; nor counter staff who are not
    # leaders; nor a leader without a reason.
    body = {"case_id": own["id"], "hours": 1, "override": {"reason": "纸质服务记录补录"}}
    await _redeem(client, headers, body, 403, "override_not_allowed")
    await _redeem(client, staff, {**body, "person_id": person}, 403, "override_not_allowed")
    leader_id, leader = await f.leader(app, unit, "时间银行柜台主任")
    problem = await _redeem(client, leader, {**body, "person_id": person, "override": {}}, 422,
                            "override_reason_required")
    assert problem["errors"][0]["field"] == "override.reason"
    await _redeem(client, leader, {**body, "person_id": person, "override": {"reason": "补"}}, 422,
                  "override_reason_required")
    # The invariant is not a departure: no override takes a balance below zero, and the error says so.
    problem = await _redeem(client, leader, {**body, "person_id": person, "hours": 2}, 409, "timebank_insufficient")
    assert "领导签批也不例外" in problem["detail"]
    assert await _minutes(app, person) == 90
    assert await _count(app, TimebankEntry) == entries
    assert await _count(app, AuditLog, AuditLog.action == "timebank.override") == 0
    assert await _count(app, CaseEvent, CaseEvent.case_id == own["id"], CaseEvent.type == "override") == 0

    # The leader signs it off: an hour for a visit kept on paper; on the order's timeline, audited.
    await _redeem(client, leader, {**body, "person_id": person}, 201)
    assert await _minutes(app, person) == 30
    order = (await client.get(f"/cases/{own['id']}", headers=staff)).json()
    override = next(e for e in order["timeline"] if e["type"] == "override")
    assert (override["actor_user_id"], override["reason"], override["data"]["decision"]) == (
        leader_id, "纸质服务记录补录", "timebank_redeem")
    assert override["data"]["departures"][0]["redeemable_minutes"] == 0
    assert order["timeline"][-1]["type"] == "timebank_redeem" and order["timeline"][-1]["data"]["overridden"]
    assert order["payload"]["timebank_minutes"] == 150
    async with app.state.sessionmaker() as session:
        [row] = (await session.execute(select(AuditLog).where(AuditLog.action == "timebank.override"))).scalars()
        assert (int(row.target_id), row.detail["reason"]) == (own["id"], "纸质服务记录补录")


async def test_the_subsidy_pays_its_share_and_a_late_override_counts_in_the_units_figures(client, app, clock):
    unit, staff = await care.workstation(app)
    volunteer, _ = await _banked(client, app, clock, unit, staff)
    headers = volunteer["headers"]
    # Her 65-year-old mother, assessed at care level 2: her care is subsidised at 70%.
    mother = await care.person(client, staff, care.MOTHER_ID, "张母", flags=[
        {"flag": "care_level", "value": "2", "source": "评估机构", "since": "2026-01-01"}])
    await care.link(client, staff, volunteer["person_id"], mother["id"], "parent")
    r = await client.post("/timebank/transfers", json={"to_person_id": mother["id"], "hours": 1}, headers=headers)
    assert r.status_code == 201, r.text
    order = await care.order(client, staff, mother["id"], "cleaning")
    assert order["payload"]["eligibility"]["percent"] == 70
    order, _ = await care.serve_visit(client, clock, staff, order, staff, minutes=60, provider_unit_id=unit)
    order = (await client.get(f"/cases/{order['id']}", headers=staff)).json()
    order = await f.act(client, staff, order, "complete")
    assert order["status"] == "replied"

    # Of the 60-minute visit the subsidy pays 42 minutes; hours pay her 18.
    body = {"person_id": mother["id"], "case_id": order["id"], "hours": 0.25}
    await _redeem(client, staff, body, 201)
    problem = await _redeem(client, staff, body, 409, "decision_contradicts_check")
    assert (problem["departures"][0]["redeemable_minutes"], problem["departures"][0]["subsidy_percent"]) == (3, 70)
    body_metrics = (await client.get(f"/metrics/units/{unit}", params=PERIOD, headers=staff)).json()
    assert body_metrics["rates"]["override"]["numerator"] == 0

    # After the reply a leader signs off a quarter-hour more; the unit's figures count it on that reply.
    _, leader = await f.leader(app, unit, "时间银行柜台主任")
    await _redeem(client, leader, {**body, "override": {"reason": "老人要求多付，经主任同意记入互助"}}, 201)
    body_metrics = (await client.get(f"/metrics/units/{unit}", params=PERIOD, headers=staff)).json()
    assert body_metrics["rates"]["override"] == {"value": 1.0, "numerator": 1, "denominator": 1}
