"""Residence registration for rental housing through HTTP: a tenant files in the app and a landlord at the
counter; the community verifies and issues the certificate from its queue, within the profile's limit; the tenants
are reminded a month before the tenancy ends and the registration lapses when it has; months of continuous
registration count across tenancies toward the residence permit; bad filings are refused naming the field, and
write nothing."""

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from sqlalchemy import func, select

from app.models import AuditLog, Case
from app.models.housing import HousingRegistration, HousingResident
from app.worker import run_once
from tests import care
from tests import factories as f
from tests.factories import act_latest as _act

ZONE = ZoneInfo("Asia/Shanghai")
LANDLORD_ID = care.MOTHER_ID  # 110105196103010026
TENANT_ID = care.ADULT_ID  # 440305199304150069, resident A
ROOMMATE_ID = care.VOLUNTEER_ID  # 440304199506080023


def local(y, m, d, hh=10, mm=0) -> datetime:
    return datetime(y, m, d, hh, mm, tzinfo=ZONE)


def z(instant: datetime) -> str:
    return instant.astimezone(UTC).isoformat().replace("+00:00", "Z")


def end_of(y, m, d) -> str:
    return z(datetime(y, m, d, 23, 59, 59, tzinfo=ZONE))


def tenancy(filed_by="tenant", *, start="2026-11-20", end="2027-05-31", tenants=None, **extra) -> dict:
    return {"filed_by": filed_by, "region_code": care.YUANDONG, "address": "园岭街道园东社区园东花园 3 栋 502",
            "landlord": {"name": "王秀兰", "id_number": LANDLORD_ID, "phone": "13800138000"},
            "tenants": tenants or [{"name": "李建华", "id_number": TENANT_ID}],
            "start_date": start, "end_date": end, **extra}


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def _tenant(client, app, username="13912340031") -> tuple[int, dict[str, str]]:
    uid = await f.user(app, "resident", username=username)
    headers = f.bearer(app, uid, "resident")
    r = await client.post("/people/me", json={"name": "李建华", "id_number": TENANT_ID, "region_code": care.YUANDONG},
                          headers=headers)
    assert r.status_code in (200, 201), r.text
    return uid, headers


async def test_a_tenant_files_the_community_verifies_the_tenants_are_reminded_and_it_lapses(client, app, clock):
    uid, tenant = await _tenant(client, app)
    r = await client.post("/housing/registrations", json=tenancy(), headers=tenant)
    assert r.status_code == 201, r.text
    case = await f.desk(client, app, r.json()["id"])
    station, staff = await care.workstation(app)
    assert (case["kind"], case["channel"], case["stage"], case["status"]) == ("housing", "app", "filed", "dispatched")
    assert (case["category"]["code"], case["lead_unit"]["id"]) == ("housing.rental_registration", station)
    assert case["profile"] == "shenzhen"
    # The community verifies within the profile's 3 working days: Mon 23 Nov → Thu 26 Nov.
    assert case["deadlines"]["handle_due"] == end_of(2026, 11, 26)
    assert case["payload"]["landlord"]["id_number"] == "110***********0026"
    assert case["payload"]["tenants"] == [{"name": "李建华", "id_number": "440***********0069", "phone": None}]
    assert case["payload"]["counted_from"] == "2026-11-23"  # filed after moving in: registered from the filing
    assert LANDLORD_ID not in r.text and TENANT_ID not in r.text

    # It sits in the community's queue like any case, and in the centre's figures.
    queue = (await client.get("/cases", params={"kind": "housing"}, headers=staff)).json()["items"]
    assert [(c["id"], c["handle_due"]) for c in queue] == [(case["id"], end_of(2026, 11, 26))]
    figures = (await client.get("/metrics/overview", params={"region": "440304000000", "month": "2026-11"},
                                headers=await f.login_as(app, "agent"))).json()
    assert figures["counts"]["taken"] == 1 and figures["counts"]["dispatched"] == 1

    clock.set(local(2026, 11, 24, 15))
    r = await _act(client, staff, case["id"], "verify", {"checked_on": "2026-11-25", "method": "on_site"},
                   expect=422)
    assert (r["code"], r["errors"][0]["field"]) == ("checked_on_in_future", "checked_on")
    verified = await _act(client, staff, case["id"], "verify", {"checked_on": "2026-11-24", "method": "on_site",
                                                                  "note": "上门核对租赁合同和身份证"})
    certificate = f"JZDJ-{case['number']}"
    assert (verified["stage"], verified["status"]) == ("registered", "replied")
    assert verified["payload"]["certificate_no"] == certificate and certificate in verified["reply"]["text"]
    assert verified["stage_due"] == z(local(2027, 6, 1, 0))  # lapses when the day after the last day begins
    assert verified["timeline"][-1]["data"]["stage_to"] == "registered"

    view = (await client.get(f"/housing/registrations/{case['id']}", headers=tenant)).json()
    assert (view["stage"], view["stage_name"], view["certificate_no"]) == ("registered", "已登记", certificate)
    assert view["tenants"] == [{"seq": 1, "name": "李建华", "id_number": "440***********0069",
                                "certificate_no": f"{certificate}-01", "months_registered": 0,
                                "meets_residence_permit": False}]
    assert view["remind_at"] == z(local(2027, 5, 1, 0))  # 30 days before the last day
    assert (view["residence_permit_months"], view["verify_due"]) == (12, end_of(2026, 11, 26))
    assert [s["type"] for s in view["steps"]] == ["create", "dispatch", "verify"]
    assert "by_user_id" not in str(view)

    # Six months on: registered since the filing day, half-way to the residence permit's twelve months.
    clock.set(local(2027, 4, 30, 23))
    assert (await run_once(app.state))["housing_reminders"] == 0
    tenant = f.bearer(app, uid, "resident")  # a token of today's
    me = (await client.get("/housing/residence/me", headers=tenant)).json()
    assert (me["registered_today"], me["continuous_since"], me["months_registered"]) == (True, "2026-11-23", 5)
    assert (me["residence_permit_months"], me["meets_residence_permit"], me["meets_on"]) == (12, False, "2027-11-23")
    assert "深圳经济特区居住证条例" in me["basis"] and me["id_number"] == "440***********0069"

    clock.set(local(2027, 5, 1, 8))
    assert (await run_once(app.state))["housing_reminders"] == 1
    assert (await run_once(app.state))["housing_reminders"] == 0  # once per end date
    reminded = (await client.get(f"/cases/{case['id']}", headers=tenant)).json()
    event = (await f.desk(client, app, case["id"]))["timeline"][-1]
    assert (event["type"], event["actor_role"], event["data"]["end_date"]) == ("tenancy_end_reminder", "system",
                                                                                "2027-05-31")
    assert reminded["payload"]["reminded_at"] is not None

    clock.set(local(2027, 5, 31, 23, 30))
    assert (await run_once(app.state))["stages_expired"] == 0  # the last day is still lived in
    clock.set(local(2027, 6, 1, 0, 30))
    assert (await run_once(app.state))["stages_expired"] == 1
    tenant = f.bearer(app, uid, "resident")
    lapsed = (await client.get(f"/cases/{case['id']}", headers=tenant)).json()
    assert (lapsed["stage"], lapsed["stage_due"]) == ("lapsed", None)
    assert (await f.desk(client, app, case["id"]))["timeline"][-1]["type"] == "registration_lapsed"
    assert lapsed["payload"]["ending"]["by_rule"] is True
    view = (await client.get(f"/housing/registrations/{case['id']}", headers=tenant)).json()
    assert (view["stage_name"], view["ended_on"], view["lapses_at"]) == ("租期届满，登记已失效", "2027-05-31", None)
    me = (await client.get("/housing/residence/me", headers=tenant)).json()
    assert (me["registered_today"], me["months_registered"], me["meets_on"]) == (False, 0, None)
    assert me["registrations"] == [{"case_id": case["id"], "certificate_no": certificate,
                                    "region_code": care.YUANDONG, "stage": "lapsed", "first": "2026-11-23",
                                    "last": "2027-05-31"}]
    station_staff = await f.login_as(app, "unit_staff", unit=station)
    r = await _act(client, station_staff, case["id"], "extend", {"end_date": "2027-12-31"}, expect=409)
    assert r["code"] == "registration_not_active"


async def test_a_landlord_files_at_the_counter_extends_and_months_run_on_across_tenancies(client, app, clock):
    uid, tenant = await _tenant(client, app)
    station, staff = await care.workstation(app)
    both = [{"name": "李建华", "id_number": TENANT_ID}, {"name": "张敏", "id_number": ROOMMATE_ID}]
    r = await client.post("/housing/registrations", json=tenancy("landlord", tenants=both), headers=staff)
    assert r.status_code == 201, r.text
    first = r.json()
    assert (first["channel"], first["requester"]["name"], first["payload"]["filed_by"]) == ("counter", "王秀兰",
                                                                                           "landlord")
    assert first["requester"]["phone"] == "138****8000"
    await _act(client, staff, first["id"], "verify", {"checked_on": "2026-11-23", "method": "documents"})

    # Renewed before the end (续租): the registration runs on; the reminder and the lapse follow the new end.
    extended = await _act(client, staff, first["id"], "extend", {"end_date": "2027-11-30", "note": "续租半年"})
    assert (extended["stage"], extended["stage_due"]) == ("registered", z(local(2027, 12, 1, 0)))
    r = await _act(client, staff, first["id"], "extend", {"end_date": "2027-11-30"}, expect=422)
    assert (r["code"], r["detail"]) == ("extension_not_later", "续租后的结束日期须晚于原结束日期 2027-11-30")
    r = await _act(client, staff, first["id"], "extend", {"end_date": "2046-11-23"}, expect=422)
    assert (r["code"], r["detail"]) == ("tenancy_term_too_long", "租赁期限不得超过 20 年")  # from the renewal (705)

    # The roommate moves out early; A stays, and moves next door when the tenancy ends.
    clock.set(local(2027, 3, 10))
    staff = f.bearer(app, *await _staff_of(app, station))
    r = await _act(client, staff, first["id"], "end_early", {"ended_on": "2027-03-11", "reason": "退租"}, expect=422)
    assert r["code"] == "ended_on_in_future"
    ended = await _act(client, staff, first["id"], "end_early", {"ended_on": "2027-03-09", "reason": "合租人退租"})
    assert (ended["stage"], ended["stage_due"]) == ("ended", None)

    clock.set(local(2027, 3, 12))
    tenant = f.bearer(app, uid, "resident")
    r = await client.post("/housing/registrations", json=tenancy(start="2027-03-10", end="2028-03-09"),
                          headers=tenant)
    assert r.status_code == 201, r.text
    second = r.json()
    assert second["payload"]["counted_from"] == "2027-03-12"  # a gap of two days before it was filed
    staff = f.bearer(app, *await _staff_of(app, station))
    await _act(client, staff, second["id"], "verify", {"checked_on": "2027-03-12", "method": "online"})
    me = (await client.get("/housing/residence/me", headers=tenant)).json()
    assert (me["continuous_since"], me["months_registered"]) == ("2027-03-12", 0)  # the gap broke the run

    # Six months into the new tenancy, the staff who take a residence-permit application look A up (audited).
    clock.set(local(2027, 9, 12))
    agent = await f.login_as(app, "agent")
    r = await client.post("/housing/residence/lookup", json={"id_number": TENANT_ID, "reason": "受理居住证申领"},
                          headers=agent)
    assert r.status_code == 200, r.text
    found = r.json()
    assert (found["name"], found["registered_today"], found["continuous_since"]) == ("李建华", True, "2027-03-12")
    assert (found["months_registered"], found["meets_on"]) == (6, "2028-03-12")
    assert [(p["stage"], p["first"], p["last"]) for p in found["registrations"]] == [
        ("ended", "2026-11-23", "2027-03-09"), ("registered", "2027-03-12", None)]
    async with app.state.sessionmaker() as session:
        logged = (await session.execute(select(AuditLog).where(AuditLog.action == "housing.residence_lookup"))
                  ).scalar_one()
    assert logged.detail == {"id_number": "440***********0069", "reason": "受理居住证申领"}
    assert TENANT_ID not in r.text


async def test_a_landlord_files_in_the_app_and_the_tenants_months_count_all_the_same(client, app, clock):
    landlord_uid = await f.user(app, "resident", username="13912340032")
    landlord = f.bearer(app, landlord_uid, "resident")
    r = await client.post("/people/me", json={"name": "王秀兰", "id_number": LANDLORD_ID,
                                              "region_code": care.YUANDONG}, headers=landlord)
    assert r.status_code == 201, r.text
    r = await client.post("/housing/registrations", json=tenancy("landlord"), headers=landlord)
    assert r.status_code == 201, r.text
    case = await f.desk(client, app, r.json()["id"])
    assert (case["channel"], case["requester"]["user_id"], case["requester"]["name"]) == ("app", landlord_uid,
                                                                                          "王秀兰")
    r = await client.post("/housing/registrations", json=tenancy("tenant"), headers=landlord)
    assert (r.status_code, r.json()["code"]) == (403, "filer_not_party")  # she is not its tenant
    station, staff = await care.workstation(app)
    await _act(client, staff, case["id"], "verify", {"checked_on": "2026-11-23", "method": "on_site"})
    _, tenant = await _tenant(client, app)
    # The tenant did not file it, so the case is the landlord's to follow; the tenant's months count all the same.
    r = await client.get(f"/housing/registrations/{case['id']}", headers=tenant)
    assert (r.status_code, r.json()["code"]) == (404, "case_not_found")
    me = (await client.get("/housing/residence/me", headers=tenant)).json()
    assert (me["registered_today"], me["continuous_since"]) == (True, "2026-11-23")
    r = await client.get("/housing/residence/me", headers=landlord)
    assert r.json()["registered_today"] is False  # a landlord is not registered where she lets


async def _staff_of(app, unit: int) -> tuple[int, str]:
    return await f.user(app, "unit_staff", unit=unit), "unit_staff"


async def test_twelve_continuous_months_across_two_tenancies_meet_the_requirement(client, app, clock):
    uid, tenant = await _tenant(client, app)
    station, _ = await care.workstation(app)
    r = await client.post("/housing/registrations", json=tenancy(start="2026-11-23", end="2027-05-31"),
                          headers=tenant)
    first = r.json()
    staff = f.bearer(app, *await _staff_of(app, station))
    await _act(client, staff, first["id"], "verify", {"checked_on": "2026-11-23", "method": "documents"})
    clock.set(local(2027, 5, 20))
    tenant = f.bearer(app, uid, "resident")
    r = await client.post("/housing/registrations", json=tenancy(start="2027-06-01", end="2028-05-31"),
                          headers=tenant)
    second = r.json()
    assert second["payload"]["counted_from"] == "2027-06-01"
    staff = f.bearer(app, *await _staff_of(app, station))
    await _act(client, staff, second["id"], "verify", {"checked_on": "2027-05-20", "method": "online"})
    clock.set(local(2027, 11, 22))
    await run_once(app.state)  # the first lapses on 1 June; the run goes on without a day's gap
    tenant = f.bearer(app, uid, "resident")
    me = (await client.get("/housing/residence/me", headers=tenant)).json()
    assert (me["continuous_since"], me["months_registered"], me["meets_residence_permit"]) == ("2026-11-23", 11,
                                                                                            False)
    clock.set(local(2027, 11, 23))  # twelve months end on the corresponding day (民法典第二百零二条)
    tenant = f.bearer(app, uid, "resident")
    me = (await client.get("/housing/residence/me", headers=tenant)).json()
    assert (me["months_registered"], me["meets_residence_permit"], me["meets_on"]) == (12, True, "2027-11-23")
    view = (await client.get(f"/housing/registrations/{second['id']}", headers=tenant)).json()
    assert view["tenants"][0]["months_registered"] == 12 and view["tenants"][0]["meets_residence_permit"]


async def test_bad_filings_are_refused_naming_the_field_and_write_nothing(client, app, clock):
    _, tenant = await _tenant(client, app)
    _, staff = await care.workstation(app)
    bad_number = LANDLORD_ID[:-1] + ("7" if LANDLORD_ID[-1] != "7" else "8")
    for who, body, status, code, field in (
        (staff, {**tenancy(), "landlord": {"name": "王秀兰", "id_number": bad_number}}, 422, "id_number_invalid",
         "landlord.id_number"),
        (staff, tenancy(tenants=[{"name": "李建华", "id_number": "44030519930415006"}]), 422, "id_number_invalid",
         "tenants.0.id_number"),
        (staff, tenancy(start="2026-12-01", end="2026-11-30"), 422, "tenancy_end_not_after_start", "end_date"),
        (staff, tenancy(start="2026-01-01", end="2026-10-31"), 422, "tenancy_already_ended", "end_date"),
        (staff, {**tenancy(), "region_code": "440304002999"}, 422, "region_not_found", "region_code"),
        (staff, {**tenancy(), "region_code": "440304002000"}, 422, "region_not_community", "region_code"),
        (staff, tenancy(tenants=[{"name": "王秀兰", "id_number": LANDLORD_ID}]), 422, "landlord_is_tenant",
         "tenants.0.id_number"),
        (staff, tenancy(tenants=[{"name": "李建华", "id_number": TENANT_ID}, {"name": "李", "id_number": TENANT_ID}]),
         422, "tenant_repeated", "tenants.1.id_number"),
        (staff, {**tenancy(), "rent": 3000}, 422, "validation_failed", "rent"),
        (staff, {**tenancy(), "region_code": care.NANYUAN}, 422, "region_outside_scope", "region_code"),
        (tenant, tenancy("landlord"), 403, "filer_not_party", "filed_by"),  # A is a tenant, not the landlord
    ):
        r = await client.post("/housing/registrations", json=body, headers=who)
        problem = r.json()
        assert (r.status_code, problem["code"]) == (status, code), r.text
        assert r.headers["content-type"].startswith("application/problem+json")
        assert problem["errors"][0]["field"] == field, r.text
    r = await client.post("/housing/registrations", json=tenancy(start="2026-12-01", end="2026-11-30"),
                          headers={**staff, "Accept-Language": "en"})
    assert r.json()["detail"] == "The tenancy must end after it starts"
    # The spine's generic intake sends the kind to its own.
    r = await client.post("/cases", json={**f.NOISE_CASE, "kind": "housing", "category": "housing.rental_registration",
                                          "region_code": care.YUANDONG}, headers=await f.login_as(app, "agent"))
    assert (r.status_code, r.json()["code"]) == (422, "kind_needs_own_intake")
    for model in (Case, HousingRegistration, HousingResident):
        assert await _count(app, model) == 0

    # Lookups: staff only, by a valid number.
    r = await client.post("/housing/residence/lookup", json={"id_number": TENANT_ID, "reason": "核查"}, headers=tenant)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")
    r = await client.post("/housing/residence/lookup", json={"id_number": "123", "reason": "核查"},
                          headers=await f.login_as(app, "agent"))
    assert (r.status_code, r.json()["code"], r.json()["errors"][0]["field"]) == (422, "id_number_invalid", "id_number")
    r = await client.get("/housing/residence/me", headers=await f.login_as(app, "resident"))
    assert (r.status_code, r.json()["code"]) == (409, "person_not_bound")


async def test_verification_keeps_to_the_tenancy_and_rejection_gives_reasons(client, app, clock):
    _, staff = await care.workstation(app)
    case = (await client.post("/housing/registrations", json=tenancy("landlord", start="2026-11-01",
                                                                     end="2026-11-30"), headers=staff)).json()
    clock.set(local(2026, 12, 1, 9))
    r = await _act(client, staff, case["id"], "verify", {"checked_on": "2026-11-30", "method": "documents"},
                   expect=409)
    assert (r["code"], r["detail"]) == ("tenancy_already_ended", "租期已于 2026-11-30 届满")
    assert "reject" in r["allowed_actions"] and "verify" not in r["allowed_actions"]
    rejected = await _act(client, staff, case["id"], "reject", {"reasons": "租期已届满，未能在租期内完成核验"})
    assert (rejected["stage"], rejected["status"]) == ("rejected", "replied")
    assert "未通过核验" in rejected["reply"]["text"]
    view = (await client.get(f"/housing/registrations/{case['id']}", headers=staff)).json()
    assert (view["certificate_no"], view["tenants"][0]["certificate_no"]) == (None, None)
    r = await _act(client, staff, case["id"], "reply", {"text": "x", "signer": "y"}, expect=409)
    assert r["code"] == "action_not_for_kind"
    r = await client.get(f"/housing/registrations/{case['id']}", headers=await f.login_as(app, "resident"))
    assert (r.status_code, r.json()["code"]) == (404, "case_not_found")
    hotline = await f.case(client, await f.login_as(app, "agent"))
    r = await client.get(f"/housing/registrations/{hotline['id']}", headers=await f.login_as(app, "agent"))
    assert (r.status_code, r.json()["code"]) == (404, "case_not_found")


# Filing through Open311 (a partner app's request under the category's service code): tests/api/test_open311_housing.py.
