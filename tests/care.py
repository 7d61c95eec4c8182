"""Async factories for the register, volunteers and eldercare orders, through the real API."""

from datetime import UTC, datetime, timedelta
from typing import Any

from tests import factories as f

YUANDONG = "440304002017"  # 园岭街道园东社区
YUANLING_OTHER = "440304002016"  # 园岭街道红荔社区
NANYUAN = "440304001020"  # 南园街道 (another subdistrict, same district)
ELDER_ID = "110105194403120033"  # born 1944-03-12, male: 82 on 23 Nov 2026
MOTHER_ID = "110105196103010026"  # born 1961-03-01, female: 65
VOLUNTEER_ID = "440304199506080023"  # born 1995-06-08, female: 31
ADULT_ID = "440305199304150069"
CHILD_ID = "110105201512310023"  # born 2015-12-31: 10
TEEN_ID = "440304201007200019"  # born 2010-07-20: 16
FUTURE_ID = "110105203012310018"  # a valid checksum, born 2030
WEEKDAYS = [{"weekday": d, "start": "08:00", "end": "18:00"} for d in range(1, 6)]


def iso(at: datetime) -> str:
    return at.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def workstation(app, region: str = YUANDONG) -> tuple[int, dict[str, str]]:
    unit = await f.unit_by_kind(app, region, "community_workstation")
    return unit, await f.login_as(app, "unit_staff", unit=unit)


async def person(client, staff, id_number: str, name: str, *, region: str = YUANDONG, flags=None,
                 phone: str | None = "13800138000", expect: int = 201, **extra: Any) -> dict:
    body = {"name": name, "id_number": id_number, "phone": phone, "region_code": region,
            "address": "园岭街道园东社区某栋", "flags": flags or [], **extra}
    response = await client.post("/people", json=body, headers=staff)
    assert response.status_code == expect, response.text
    return response.json()


async def link(client, staff, person_id: int, relative_id: int, relation: str) -> dict:
    response = await client.post(f"/people/{person_id}/household",
                                 json={"relative_id": relative_id, "relation": relation}, headers=staff)
    assert response.status_code == 201, response.text
    return response.json()


def volunteer_body(id_number: str, name: str, *, skills=("meal_delivery", "companionship"), region: str = YUANDONG,
                   **extra: Any) -> dict:
    body = {"name": name, "id_number": id_number, "phone": "13900139000", "skills": list(skills),
            "availability": WEEKDAYS, "region_code": region,
            "emergency_contact": {"name": "紧急联系人", "phone": "13700137000", "relationship": "spouse"}}
    body.update(extra)
    return body


async def volunteer(client, headers, id_number: str, name: str, *, approve_with=None, expect: int = 201,
                    **extra: Any) -> dict:
    response = await client.post("/volunteers", json=volunteer_body(id_number, name, **extra), headers=headers)
    assert response.status_code == expect, response.text
    created = response.json()
    if approve_with is not None and expect == 201:
        response = await client.post(f"/volunteers/{created['id']}/approve", json={}, headers=approve_with)
        assert response.status_code == 200, response.text
        created = response.json()
    return created


async def order(client, headers, person_id: int, service_type: str = "meal", *, expect: int = 201,
                **extra: Any) -> dict:
    response = await client.post("/eldercare/orders", json={"person_id": person_id, "service_type": service_type,
                                                            **extra}, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def schedule(client, staff, case: dict, *, expect: int = 200, **body: Any) -> dict:
    return await f.act(client, staff, case, "schedule", body, expect=expect)


async def visits(client, headers, case_id: int) -> list[dict]:
    response = await client.get(f"/eldercare/orders/{case_id}/visits", headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


HOME = {"latitude": 22.5535, "longitude": 114.0975}  # where the phone says the volunteer is: the elder's home


async def check(client, headers, visit_id: int, which: str, *, expect: int = 200, located: bool = True,
                **body: Any) -> dict:
    body = {**(HOME if located and which in ("check-in", "check-out") else {}), **body}
    response = await client.post(f"/eldercare/visits/{visit_id}/{which}", json=body, headers=headers)
    assert response.status_code == expect, response.text
    return response.json()


async def serve_visit(client, clock, staff, case: dict, headers, *, minutes: int,
                      **schedule_body: Any) -> tuple[dict, dict]:
    """The order scheduled an hour from now (by `staff`), its visit checked in then and out `minutes` later (by
    `headers`): (the scheduled case, the check-out's answer)."""
    at = clock.now() + timedelta(hours=1)
    case = await schedule(client, staff, case, scheduled_at=iso(at), **schedule_body)
    [visit] = await visits(client, staff, case["id"])
    clock.set(at)
    await check(client, headers, visit["id"], "check-in")
    clock.advance(minutes=minutes)
    return case, await check(client, headers, visit["id"], "check-out")
