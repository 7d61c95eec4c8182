"""Residents of every generation through HTTP: numbers of people born before their district existed register,
apply for affairs and aid, volunteer and bank hours; bad numbers are refused with the field and the reason, and
nothing is written."""

from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from app.models import AuditLog, Case, Person, Volunteer
from tests import care
from tests import factories as f
from tests.api.test_volunteer_tasks_and_timebank import _task
from tests.idnumbers import check_character, make_15, make_id

# (area of first issue, birth, male, name): every one born before the district's code existed.
RESIDENTS = [
    ("440304", date(1946, 4, 2), False, "陈桂英"),  # 福田 dates from 1990
    ("440305", date(1938, 11, 20), True, "黄伯坤"),  # 南山 dates from 1990
    ("310115", date(1952, 1, 9), True, "周建国"),  # 浦东新区 dates from 1993
    ("420106", date(1931, 7, 7), False, "刘玉兰"),  # 武昌区 in its present form
]


async def _count(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


@pytest.mark.parametrize(("area", "birth", "male", "name"), RESIDENTS, ids=[r[0] for r in RESIDENTS])
async def test_older_residents_register_apply_for_allowance_and_aid(client, app, clock, area, birth, male, name):
    number = make_id(area, birth, seq=58, male=male)
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, number, name)
    today = clock.now().date()
    assert person["birth_date"] == birth.isoformat() and person["sex"] == ("male" if male else "female")
    assert person["age"] == today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    assert number not in str(person) and person["id_number"] == number[:3] + "*" * 11 + number[-4:]

    agent = await f.login_as(app, "agent")
    body = {"item_code": "ELD-ALLOWANCE", "applicant": {"id_number": number, "name": name},
            "region_code": care.YUANDONG,
            "materials": [{"code": c, "source": "counter_checked"} for c in ("id_card", "application_form",
                                                                               "hukou_book", "bank_card")]}
    r = await client.post("/affairs/applications", json=body, headers=agent)
    assert r.status_code == 201, r.text
    assert r.json()["kind"] == "affair"

    household = {"scheme": "dibao", "region_code": care.YUANDONG, "assets": {"savings": "5000", "properties": 1},
                 "members": [{"person_id": person["id"], "relationship": "applicant", "monthly_income": "900"}]}
    r = await client.post("/aid/applications", json=household, headers=staff)
    assert r.status_code == 201, r.text
    assert r.json()["payload"]["household"][0]["age"] == person["age"]


async def test_an_82_year_old_futian_volunteer_banks_hours(client, app, clock):
    _, staff = await care.workstation(app)
    number = make_id("440304", date(1944, 3, 12), seq=3)
    uid = await f.user(app, "volunteer", username="13912340061", name="林伯")
    headers = f.bearer(app, uid, "volunteer")
    volunteer = await care.volunteer(client, headers, number, "林伯", approve_with=staff,
                                     skills=["companionship", "meal_delivery"])
    start = clock.now() + timedelta(days=1)
    task = await _task(client, staff, start, hours=2, timebank=True)
    assert (await client.post(f"/volunteer-tasks/{task['id']}/signups", headers=headers)).status_code == 201
    clock.set(start)
    await client.post(f"/volunteer-tasks/{task['id']}/check-in", json={}, headers=headers)
    clock.advance(hours=2)
    await client.post(f"/volunteer-tasks/{task['id']}/check-out", json={}, headers=headers)
    assert (await client.post(f"/volunteer-tasks/{task['id']}/complete", headers=staff)).status_code == 200
    r = await client.post("/timebank/deposits", json={"task_id": task["id"]}, headers=staff)
    assert r.status_code == 201, r.text
    account = (await client.get(f"/timebank/accounts/{volunteer['person_id']}", headers=headers)).json()
    assert account["hours"] == 2


async def test_a_mediation_party_born_in_1949_in_nanshan(client, app):
    number = make_id("440305", date(1949, 10, 1), seq=8)
    resident = await f.login_as(app, "resident", username="13912340062")
    r = await client.post("/people/me", json={"name": "郑国庆", "id_number": number, "region_code": care.YUANDONG},
                          headers=resident)
    assert r.status_code == 201, r.text
    r = await client.post("/mediation/cases", headers=resident, json={
        "dispute_type": "neighbours", "facts": "楼上空调外机滴水落在我家阳台，多次沟通未果", "claims": "改装排水管",
        "region_code": care.YUANDONG, "address": "园东花园 5 栋", "parties": [
            {"person_id": r.json()["id"], "role": "applicant", "consents": True},
            {"name": "赵四", "phone": "13700137011", "role": "respondent", "consents": True}]})
    assert r.status_code == 201, r.text


async def test_a_first_generation_number_registers_as_its_18_digit_form(client, app):
    old = make_15("440304", date(1940, 2, 2), seq=21)
    upgraded = old[:6] + "19" + old[6:] + check_character(old[:6] + "19" + old[6:])
    _, staff = await care.workstation(app)
    person = await care.person(client, staff, old, "邱老伯")
    assert person["birth_date"] == "1940-02-02" and person["id_number"].endswith(upgraded[-4:])
    r = await client.post("/people/lookup", json={"id_number": upgraded}, headers=staff)
    assert r.status_code == 200 and r.json()["id"] == person["id"]


def _wrong_check(number: str) -> str:
    return number[:17] + ("0" if number[-1] != "0" else "1")


BAD = [
    (_wrong_check(make_id("440304", date(1950, 1, 1))), "id_number_invalid", "id_number_checksum"),
    ("44030419500230001" + check_character("44030419500230001"), "id_number_invalid", "id_number_birth_invalid"),
    (make_id("440304", date(2028, 1, 1)), "id_number_birth_future", "id_number_birth_future"),
    (make_id("440304", date(1950, 1, 1))[:17], "id_number_invalid", "id_number_length"),
    (make_id("440304", date(1950, 1, 1)) + "7", "id_number_invalid", "id_number_length"),
    ("4403041950010100A3", "id_number_invalid", "id_number_format"),
]


@pytest.mark.parametrize(("raw", "code", "reason"), BAD, ids=[b[2] + str(i) for i, b in enumerate(BAD)])
async def test_bad_numbers_are_refused_everywhere_naming_the_field_and_the_reason(client, app, raw, code, reason):
    _, staff = await care.workstation(app)
    agent = await f.login_as(app, "agent")
    uid = await f.user(app, "volunteer", username="13912340063", name="某")
    volunteer = f.bearer(app, uid, "volunteer")
    before = [await _count(app, m) for m in (Person, Case, Volunteer, AuditLog)]
    attempts = [
        (client.post("/people", headers=staff, json={"name": "某某", "id_number": raw, "region_code": care.YUANDONG}),
         "id_number"),
        (client.post("/affairs/applications", headers=agent, json={
            "item_code": "ELD-ALLOWANCE", "applicant": {"id_number": raw, "name": "某某"},
            "region_code": care.YUANDONG, "materials": []}), "applicant.id_number"),
        (client.post("/volunteers", headers=volunteer, json=care.volunteer_body(raw, "某某")), "id_number"),
    ]
    for call, field in attempts:
        r = await call
        assert r.status_code == 422, r.text
        problem = r.json()
        assert problem["code"] == code and problem["errors"][0] == {**problem["errors"][0], "field": field,
                                                                       "code": reason}
        assert problem["errors"][0]["message"]
    english = await client.post("/people", headers={**staff, "Accept-Language": "en"},
                                json={"name": "某某", "id_number": raw, "region_code": care.YUANDONG})
    assert english.json()["errors"][0]["message"].isascii()
    assert [await _count(app, m) for m in (Person, Case, Volunteer, AuditLog)] == before
