"""Community tasks, team hours, the time-bank cap and concurrent redemptions, through HTTP."""

from datetime import datetime, timedelta

from sqlalchemy import func, select, text

from app.models import CarePolicy, ServiceHours, TaskSignup, TimebankAccount, TimebankEntry
from tests import care
from tests import factories as f
from tests.care import iso


async def _task(client, staff, start: datetime, hours: float = 3, **extra) -> dict:
    body = {"title": "社区长者生日会", "region_code": care.YUANDONG, "place": "园东社区党群服务中心",
            "starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours)),
            "skills": ["activity_leading", "companionship"], "capacity": 2, **extra}
    r = await client.post("/volunteer-tasks", json=body, headers=staff)
    assert r.status_code == 201, r.text
    return r.json()


async def _volunteer_account(client, app, staff, id_number: str, name: str, phone: str) -> tuple[dict, dict]:
    uid = await f.user(app, "volunteer", username=phone, name=name)
    headers = f.bearer(app, uid, "volunteer")
    created = await care.volunteer(client, headers, id_number, name, approve_with=staff,
                                   skills=["companionship", "meal_delivery"])
    return created, headers


async def _balance(app, person_id: int) -> tuple[int, int, int]:
    """(own minutes, team minutes, the sum of the account's entries)."""
    async with app.state.sessionmaker() as session:
        account = (await session.execute(select(TimebankAccount).where(TimebankAccount.person_id == person_id))
                   ).scalar_one()
        total = (await session.execute(select(func.coalesce(func.sum(TimebankEntry.minutes), 0)).where(
            TimebankEntry.account_id == account.id))).scalar_one()
        return account.minutes, account.team_minutes, int(total)


async def test_a_task_from_sign_up_to_certified_and_banked_hours(client, app, clock):
    _, staff = await care.workstation(app)
    a, a_headers = await _volunteer_account(client, app, staff, care.VOLUNTEER_ID, "张敏", "13912340001")
    b, b_headers = await _volunteer_account(client, app, staff, care.ADULT_ID, "陈刚", "13912340002")
    c, c_headers = await _volunteer_account(client, app, staff, care.MOTHER_ID, "王姨", "13912340003")
    start = clock.now() + timedelta(days=1)
    task = await _task(client, staff, start, timebank=True)

    r = await client.post("/timebank/deposits", json={"task_id": task["id"]}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (409, "task_not_completed")
    for headers in (a_headers, b_headers):
        r = await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=headers)
        assert r.status_code == 201, r.text
    r = await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=c_headers)
    assert (r.status_code, r.json()["code"]) == (409, "task_full")
    r = await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=a_headers)
    assert (r.status_code, r.json()["code"]) == (409, "already_signed_up")
    r = await client.delete(f"/volunteer-tasks/{task['id']}/signups/me", headers=b_headers)
    assert r.json()["status"] == "withdrawn"
    r = await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=c_headers)
    assert r.status_code == 201, r.text

    early = await client.post(f"/volunteer-tasks/{task['id']}/check-in", json={}, headers=a_headers)
    assert (early.status_code, early.json()["code"]) == (422, "check_in_too_early")  # a day ahead
    clock.set(start)
    r = await client.post(f"/volunteer-tasks/{task['id']}/check-out", json={}, headers=a_headers)
    assert (r.status_code, r.json()["code"]) == (409, "not_checked_in")
    r = await client.post(f"/volunteer-tasks/{task['id']}/check-in", json={}, headers=a_headers)
    assert r.json()["status"] == "checked_in"
    r = await client.post(f"/volunteer-tasks/{task['id']}/check-in",
                          json={"at": iso(clock.now() + timedelta(hours=1))}, headers=c_headers)
    assert (r.status_code, r.json()["code"]) == (422, "time_in_future")
    clock.advance(hours=2, minutes=30)
    r = await client.post(f"/volunteer-tasks/{task['id']}/check-out",
                          json={"at": iso(start - timedelta(minutes=1))}, headers=a_headers)
    assert (r.status_code, r.json()["code"]) == (422, "check_out_before_check_in")
    r = await client.post(f"/volunteer-tasks/{task['id']}/check-out", json={}, headers=a_headers)
    assert (r.json()["status"], r.json()["minutes"]) == ("checked_out", 150)

    r = await client.post(f"/volunteer-tasks/{task['id']}/complete", headers=a_headers)
    assert r.status_code == 403  # only the organiser certifies
    r = await client.post(f"/volunteer-tasks/{task['id']}/complete", headers=staff)
    assert r.json()["certified"] == [{"volunteer_id": a["id"], "hours": 2.5}]
    async with app.state.sessionmaker() as session:
        statuses = dict((await session.execute(select(TaskSignup.volunteer_id, TaskSignup.status))).all())
    assert statuses == {a["id"]: "checked_out", b["id"]: "withdrawn", c["id"]: "no_show"}

    r = await client.post("/timebank/deposits", json={"task_id": task["id"]}, headers=staff)
    assert r.status_code == 201, r.text
    r = await client.post("/timebank/deposits", json={"task_id": task["id"]}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (409, "task_already_deposited")
    assert await _balance(app, a["person_id"]) == (150, 0, 150)
    r = await client.get(f"/volunteers/{a['id']}/record", headers=a_headers)
    assert (r.json()["hours"], r.json()["entries"][0]["kind"]) == (2.5, "task")


async def test_team_hours_can_only_be_donated(client, app, clock):
    unit, staff = await care.workstation(app)
    leader, leader_headers = await _volunteer_account(client, app, staff, care.VOLUNTEER_ID, "张敏", "13912340001")
    other, other_headers = await _volunteer_account(client, app, staff, care.ADULT_ID, "陈刚", "13912340002")
    r = await client.post("/volunteer-teams", json={"name": "园东助老服务队", "region_code": care.YUANDONG,
                                                     "leader_id": leader["id"], "skills": ["companionship"]},
                          headers=staff)
    assert r.status_code == 201, r.text
    team = r.json()
    assert (team["unit_id"], team["members"]) == (unit, [leader["id"]])
    start = clock.now() + timedelta(hours=2)
    task = await _task(client, staff, start, team_id=team["id"], timebank=True)
    r = await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=other_headers)
    assert (r.status_code, r.json()["code"]) == (409, "not_team_member")
    r = await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=leader_headers)
    assert r.status_code == 201
    clock.set(start)
    await client.post(f"/volunteer-tasks/{task['id']}/check-in", json={}, headers=leader_headers)
    clock.advance(hours=2)
    await client.post(f"/volunteer-tasks/{task['id']}/check-out", json={}, headers=leader_headers)
    await client.post(f"/volunteer-tasks/{task['id']}/complete", headers=staff)
    r = await client.post("/timebank/deposits", json={"task_id": task["id"]}, headers=staff)
    assert r.status_code == 201, r.text
    assert await _balance(app, leader["person_id"]) == (0, 120, 120)

    mother = await care.person(client, staff, care.ELDER_ID, "张父")
    await care.link(client, staff, leader["person_id"], mother["id"], "parent")
    r = await client.post("/timebank/transfers", json={"to_person_id": mother["id"], "hours": 1},
                          headers=leader_headers)
    assert (r.status_code, r.json()["code"]) == (409, "timebank_insufficient")  # team hours are not her own
    r = await client.post("/timebank/donations", json={"hours": 1.5, "bucket": "team"}, headers=leader_headers)
    assert r.status_code == 201, r.text
    assert await _balance(app, leader["person_id"]) == (0, 30, 30)
    async with app.state.sessionmaker() as session:
        pool = (await session.execute(select(TimebankAccount).where(
            TimebankAccount.pool_region_code == care.YUANDONG))).scalar_one()
    assert pool.minutes == 90


async def test_the_cap_sends_the_excess_to_the_community_pool(client, app, clock):
    async with app.state.sessionmaker() as session:
        row = await session.get(CarePolicy, "nanjing")
        spec = {**row.spec, "timebank": {**row.spec["timebank"], "cap_hours": 2}}
        session.add(CarePolicy(code="tiny_cap", name="测试：2 小时上限", spec=spec))
        await session.commit()
    app.state.settings.care_policy = "tiny_cap"
    _, staff = await care.workstation(app)
    volunteer, headers = await _volunteer_account(client, app, staff, care.VOLUNTEER_ID, "张敏", "13912340001")
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    case = await care.order(client, staff, elder["id"], "meal")
    _, done = await care.serve_visit(client, clock, staff, case, headers, minutes=165, volunteer_id=volunteer["id"],
                                     planned_minutes=180)
    assert (done["minutes"], done["deposited_minutes"]) == (165, 120)
    assert await _balance(app, volunteer["person_id"]) == (120, 0, 120)
    async with app.state.sessionmaker() as session:
        pool = (await session.execute(select(TimebankAccount).where(
            TimebankAccount.pool_region_code == care.YUANDONG))).scalar_one()
        hours = (await session.execute(select(ServiceHours.minutes))).scalar_one()
    assert (pool.minutes, hours) == (45, 165)  # the record keeps every minute served


async def test_concurrent_redemptions_never_overdraw(client, app, clock):
    unit, staff = await care.workstation(app)
    volunteer, headers = await _volunteer_account(client, app, staff, care.VOLUNTEER_ID, "张敏", "13912340001")
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    case = await care.order(client, staff, elder["id"], "meal")
    await care.serve_visit(client, clock, staff, case, headers, minutes=300, volunteer_id=volunteer["id"],
                           planned_minutes=300)
    own_order = await care.order(client, staff, volunteer["person_id"], "cleaning")  # her own care, later in life
    own_order = await care.schedule(client, staff, own_order, provider_unit_id=unit, planned_minutes=600,
                                    scheduled_at=iso(clock.now() + timedelta(days=1)))  # hours pay for booked care

    codes = await f.statuses_at_once(client, "/timebank/redemptions", {"case_id": own_order["id"], "hours": 1},
                                     headers, 16)
    assert sorted(codes) == [201] * 5 + [409] * 11
    assert await _balance(app, volunteer["person_id"]) == (0, 0, 0)
    r = await client.get(f"/cases/{own_order['id']}", headers=staff)
    assert r.json()["payload"]["timebank_minutes"] == 300


async def test_the_ledger_refuses_changes_in_the_database_itself(client, app, clock):
    _, staff = await care.workstation(app)
    volunteer, headers = await _volunteer_account(client, app, staff, care.VOLUNTEER_ID, "张敏", "13912340001")
    mother = await care.person(client, staff, care.MOTHER_ID, "张母")
    await care.link(client, staff, volunteer["person_id"], mother["id"], "parent")
    r = await client.post("/timebank/donations", json={"hours": 1, "bucket": "own"}, headers=headers)
    assert (r.status_code, r.json()["code"]) == (409, "timebank_insufficient")
    async with app.state.sessionmaker() as session:
        assert (await session.execute(select(func.count()).select_from(TimebankEntry))).scalar_one() == 0
        session.add(TimebankAccount(person_id=mother["id"], minutes=0, created_at=clock.now()))
        await session.flush()
        account_id = (await session.execute(select(TimebankAccount.id))).scalar_one()
        session.add(TimebankEntry(account_id=account_id, at=clock.now(), type="deposit", minutes=1,
                                  balance_after=1))
        await session.commit()
    for statement in ("UPDATE timebank_entries SET minutes = 999", "DELETE FROM timebank_entries"):
        async with app.state.sessionmaker() as session:
            try:
                await session.execute(text(statement))
                await session.commit()
                raised = False
            except Exception as exc:  # the driver's own error type differs between the databases
                raised = "append-only" in str(exc)
        assert raised, statement
    async with app.state.sessionmaker() as session:
        try:
            await session.execute(text(f"UPDATE timebank_accounts SET minutes = -1 WHERE id = {account_id}"))
            await session.commit()
            negative = True
        except Exception:
            negative = False
    assert negative is False
