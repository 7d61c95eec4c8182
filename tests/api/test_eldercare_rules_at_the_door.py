"""Eldercare's bad paths and its people: family ordering, provider visits, ratings, refusals that write nothing."""

from datetime import timedelta

from sqlalchemy import func, select

from app.models import CareVisit, Case, TimebankAccount, TimebankEntry
from tests import care
from tests import factories as f
from tests.care import iso


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def test_family_orders_and_rates_strangers_cannot(client, app, clock):
    _, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    daughter = await f.login_as(app, "resident", username="13912340005")
    r = await client.post("/people/me", json={"name": "李娟", "id_number": care.VOLUNTEER_ID,
                                              "region_code": care.YUANDONG}, headers=daughter)
    assert r.status_code == 201, r.text
    me = r.json()
    assert (me["phone"], me["has_account"]) == ("13912340005", True)
    r = await client.post("/people/me", json={"name": "李娟", "id_number": care.VOLUNTEER_ID,
                                              "region_code": care.YUANDONG}, headers=daughter)
    assert (r.status_code, r.json()["code"]) == (409, "account_already_bound")
    impostor = await f.login_as(app, "resident", username="13912340006")
    r = await client.post("/people/me", json={"name": "李娟", "id_number": care.VOLUNTEER_ID,
                                              "region_code": care.YUANDONG}, headers=impostor)
    assert (r.status_code, r.json()["code"]) == (409, "person_already_bound")
    r = await client.post("/people/me", json={"name": "别人", "id_number": care.ELDER_ID,
                                              "region_code": care.YUANDONG}, headers=impostor)
    assert (r.status_code, r.json()["code"]) == (422, "identity_mismatch")

    r = await client.post("/eldercare/orders", json={"person_id": elder["id"], "service_type": "meal"},
                          headers=daughter)
    assert (r.status_code, r.json()["code"]) == (404, "person_not_found")  # not linked yet
    await care.link(client, staff, elder["id"], me["id"], "child")
    r = await client.get("/people/me", headers=daughter)
    assert r.json()["household"] == [{"person_id": elder["id"], "name": "李建国", "relation": "parent", "age": 82}]
    r = await client.get(f"/people/{elder['id']}", headers=daughter)
    assert (r.status_code, r.json()["phone"]) == (200, "138****8000")  # family see the phone masked
    case = await f.desk(client, app, (await care.order(client, daughter, elder["id"], "emergency"))["id"])
    assert (case["channel"], case["urgency"], case["payload"]["ordered_by"]) == (
        "app", "critical", {"relation": "family", "family_relation": "parent", "role": "resident"})
    assert case["deadlines"]["handle_due"] == iso(clock.now() + timedelta(hours=2))  # 助急: hours
    r = await client.post("/eldercare/orders", json={"person_id": elder["id"], "service_type": "meal"},
                          headers=impostor)
    assert r.status_code == 404

    provider = await f.unit_by_kind(app, "440304002000", "eldercare_provider")
    provider_staff = await f.login_as(app, "unit_staff", unit=provider)
    case = await care.schedule(client, staff, case, provider_unit_id=provider, scheduled_at=iso(clock.now()),
                               planned_minutes=30)
    [visit] = await care.visits(client, staff, case["id"])
    r = await client.post(f"/eldercare/visits/{visit['id']}/rating", json={"stars": 5}, headers=daughter)
    assert (r.status_code, r.json()["code"]) == (409, "visit_not_done")
    await care.check(client, provider_staff, visit["id"], "check-in")
    again = await care.check(client, provider_staff, visit["id"], "check-in", expect=409)
    assert again["code"] == "visit_not_scheduled"
    clock.advance(minutes=40)
    done = await care.check(client, provider_staff, visit["id"], "check-out")
    assert (done["minutes"], done["deposited_minutes"]) == (40, None)  # an organisation banks no hours
    for headers, code in ((provider_staff, "rating_not_family"), (staff, "rating_not_family"),
                          (impostor, "rating_not_family")):
        r = await client.post(f"/eldercare/visits/{visit['id']}/rating", json={"stars": 1}, headers=headers)
        assert (r.status_code, r.json()["code"]) == (403, code)
    rated = await care.check(client, daughter, visit["id"], "rating", stars=4, comment="来得很快")
    assert (rated["rating"], rated["rated_as"]) == (4, "family")
    again = await care.check(client, daughter, visit["id"], "rating", stars=5, expect=409)
    assert again["code"] == "visit_already_rated"


async def test_scheduling_and_visits_refuse_what_does_not_fit_and_write_nothing(client, app, clock):
    _, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    case = await care.order(client, staff, elder["id"], "bathing")
    assert case["channel"] == "staff"
    pending = await care.volunteer(client, staff, care.ADULT_ID, "陈刚")
    companion = await care.volunteer(client, staff, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    teen = await care.volunteer(client, staff, care.TEEN_ID, "小红", approve_with=staff, skills=["bathing_care"],
                                guardian={"name": "红父", "phone": "13600136000", "relationship": "parent",
                                          "consent": True})
    judicial = await f.unit_by_kind(app, "440304002000", "judicial_office")
    at = iso(clock.now() + timedelta(hours=3))
    for body, status, code in (
        ({"volunteer_id": pending["id"]}, 422, "volunteer_not_approved"),
        ({"volunteer_id": companion["id"]}, 422, "volunteer_lacks_skill"),
        ({"volunteer_id": teen["id"]}, 422, "volunteer_too_young"),
        ({"provider_unit_id": judicial}, 422, "provider_invalid"),
        ({"provider_unit_id": judicial, "volunteer_id": companion["id"]}, 422, "validation_failed"),
        ({"volunteer_id": companion["id"], "scheduled_at": iso(clock.now() - timedelta(days=1))}, 422,
         "scheduled_in_past"),
    ):
        answer = await care.schedule(client, staff, case, expect=status, **{"scheduled_at": at, **body})
        assert answer["code"] == code, (body, answer)
    assert await _count(app, CareVisit) == 0
    answer = await f.act(client, staff, case, "complete", expect=409)
    assert answer["code"] == "nothing_scheduled"

    r = await client.post("/eldercare/orders", json={"person_id": elder["id"], "service_type": "massage"},
                          headers=staff)
    assert (r.status_code, r.json()["errors"][0]["field"]) == (422, "service_type")
    r = await client.post("/eldercare/orders", json={"person_id": 999999, "service_type": "meal"}, headers=staff)
    assert r.status_code == 404
    r = await client.post("/eldercare/orders", json={"person_id": elder["id"], "service_type": "meal",
                                                     "scheduled_at": iso(clock.now() - timedelta(days=2))},
                          headers=staff)
    assert (r.status_code, r.json()["code"]) == (422, "scheduled_in_past")
    r = await client.post("/eldercare/orders", json={"person_id": elder["id"], "service_type": "meal"},
                          headers=await f.login_as(app, "volunteer"))
    assert r.status_code == 404
    r = await client.post("/cases", json={**f.NOISE_CASE, "kind": "eldercare"}, headers=await f.login_as(app, "agent"))
    assert (r.status_code, r.json()["code"]) == (422, "kind_needs_own_intake")
    assert await _count(app, Case) == 1

    # A visit is the booked volunteer's to check in; another volunteer does not even see it.
    meal = await care.order(client, staff, elder["id"], "meal")
    uid = await f.user(app, "volunteer", username="13912340007")
    mine = f.bearer(app, uid, "volunteer")
    booked = await care.volunteer(client, mine, care.MOTHER_ID, "王姨", approve_with=staff)
    meal = await care.schedule(client, staff, meal, volunteer_id=booked["id"], scheduled_at=at)
    [visit] = await care.visits(client, staff, meal["id"])
    clash = await care.order(client, staff, elder["id"], "meal")
    answer = await care.schedule(client, staff, clash, volunteer_id=booked["id"], scheduled_at=at, expect=409)
    assert answer["code"] == "schedule_clash"
    other = await f.login_as(app, "volunteer")
    assert (await care.check(client, other, visit["id"], "check-in", expect=404))["code"] == "visit_not_found"
    r = await client.post(f"/eldercare/visits/{visit['id']}/check-in", json={"latitude": 22.5}, headers=mine)
    assert r.status_code == 422  # coordinates come in pairs
    clock.advance(hours=3)
    await care.check(client, mine, visit["id"], "check-in")
    early = await care.check(client, mine, visit["id"], "check-out", expect=422,
                             at=iso(clock.now() - timedelta(minutes=10)))
    assert (early["code"], early["errors"][0]["field"]) == ("check_out_before_check_in", "at")
    answer = await f.act(client, staff, (await client.get(f"/cases/{meal['id']}", headers=staff)).json(),
                         "complete", expect=409)
    assert answer["code"] == "visit_in_progress"


async def test_hours_count_only_inside_the_visit_and_identities_stay_their_own(client, app, clock):
    _, staff = await care.workstation(app)
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    uid = await f.user(app, "resident", username="13912340011")
    headers = f.bearer(app, uid, "resident")
    r = await client.post("/people/me", json={"name": "张敏", "id_number": care.VOLUNTEER_ID,
                                              "region_code": care.YUANDONG}, headers=headers)
    assert r.status_code == 201
    mother = await care.person(client, staff, care.MOTHER_ID, "张母")
    stolen = await care.volunteer(client, headers, care.MOTHER_ID, "张母", expect=409)
    assert stolen["code"] == "identity_not_own"  # bound as 张敏, she volunteers as 张敏 only
    volunteer = await care.volunteer(client, headers, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    adult_guardian = await care.volunteer(client, staff, care.ADULT_ID, "陈刚", emergency_contact=None, expect=422,
                                          guardian={"name": "陈父", "phone": "13600136000",
                                                    "relationship": "parent", "consent": True})
    assert adult_guardian["code"] == "emergency_contact_required"

    case = await care.order(client, staff, elder["id"], "meal")
    at = clock.now() + timedelta(hours=2)
    case = await care.schedule(client, staff, case, volunteer_id=volunteer["id"], scheduled_at=iso(at),
                               planned_minutes=60)
    [visit] = await care.visits(client, staff, case["id"])
    clock.set(at)
    early = await care.check(client, headers, visit["id"], "check-in", expect=422,
                             at=iso(at - timedelta(hours=1, minutes=1)))
    assert (early["code"], early["errors"][0]["field"]) == ("check_in_too_early", "at")
    await care.check(client, headers, visit["id"], "check-in", at=iso(at - timedelta(minutes=10)))
    clock.advance(hours=5)  # she forgot to check out until the evening
    done = await care.check(client, headers, visit["id"], "check-out")
    assert (done["minutes"], done["deposited_minutes"]) == (310, 60)  # only the booked hour: 10 early, 240 late
    assert done["pending_minutes"] == 250

    # Staff of another area can neither link to nor learn about people they may not see.
    _, other = await care.workstation(app, care.NANYUAN)
    stranger = await care.person(client, other, care.ADULT_ID, "陈刚", region=care.NANYUAN)
    r = await client.post(f"/people/{mother['id']}/household", json={"relative_id": stranger["id"],
                                                                    "relation": "spouse"}, headers=staff)
    assert (r.status_code, r.json()["code"]) == (422, "person_not_found")
    taken = await care.person(client, other, care.MOTHER_ID, "张母", region=care.NANYUAN, expect=409)
    assert "person_id" not in taken
    r = await client.get("/people", headers=staff, params={"limit": 2})
    listed = r.json()
    assert [p["region_code"] for p in listed["items"]] == [care.YUANDONG, care.YUANDONG]
    r = await client.get("/people", headers=staff, params={"cursor": listed["next_cursor"]})
    assert [p["id"] for p in r.json()["items"]] == [mother["id"]] and r.json()["next_cursor"] is None
    r = await client.patch(f"/people/{mother['id']}", json={"name": None},
                           headers={**staff, "If-Match": f'"{mother["version"]}"'})
    assert (r.status_code, r.json()["code"]) == (422, "validation_failed")

    # Only the time-bank counter's staff act for a holder; a dispatcher may not.
    dispatcher = await f.login_as(app, "dispatcher")
    r = await client.post("/timebank/donations", json={"from_person_id": volunteer["person_id"], "hours": 0.25,
                                                       "bucket": "own"}, headers=dispatcher)
    assert (r.status_code, r.json()["code"]) == (403, "forbidden")


async def test_concurrent_transfers_keep_both_ledgers_whole(client, app, clock):
    _, staff = await care.workstation(app)
    uid = await f.user(app, "volunteer", username="13912340012")
    headers = f.bearer(app, uid, "volunteer")
    volunteer = await care.volunteer(client, headers, care.VOLUNTEER_ID, "张敏", approve_with=staff)
    mother = await care.person(client, staff, care.MOTHER_ID, "张母")
    await care.link(client, staff, volunteer["person_id"], mother["id"], "parent")
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    case = await care.order(client, staff, elder["id"], "meal")
    await care.serve_visit(client, clock, staff, case, headers, minutes=240, volunteer_id=volunteer["id"],
                           planned_minutes=240)

    codes = await f.statuses_at_once(client, "/timebank/transfers", {"to_person_id": mother["id"], "hours": 1},
                                     headers, 12)
    assert sorted(codes) == [201] * 4 + [409] * 8
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(TimebankAccount.person_id, TimebankAccount.minutes, func.sum(
            TimebankEntry.minutes)).join(TimebankEntry, TimebankEntry.account_id == TimebankAccount.id)
            .group_by(TimebankAccount.id, TimebankAccount.person_id, TimebankAccount.minutes))).all()
    assert {p: (m, int(s)) for p, m, s in rows} == {volunteer["person_id"]: (0, 0), mother["id"]: (240, 240)}
