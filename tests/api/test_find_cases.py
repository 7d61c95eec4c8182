"""An agent finds a case by its number, by the caller's phone and by words; scope applies to search exactly as to
lists; every route refuses a parameter it does not take."""

import re

import pytest

from app.main import create_app
from tests import factories as f

ROAD = {"category": "municipal.street_light", "work_order_type": "complaint", "region_code": "440304001020",
        "address": "南园街道红荔路1001号门口", "description": "小区门口的路灯不亮了好几天，晚上黑漆漆的"}
NOISE = {"description": "楼下工地晚上十一点还在打桩，吵得睡不着", "address": "南园社区南园新村"}


async def test_by_number_by_words_and_by_phone(client, app):
    agent = await f.login_as(app, "agent")
    light = await f.case(client, agent, **ROAD, caller_phone="13800138123")
    noise = await f.case(client, agent, **NOISE, caller_phone="13800138124")

    r = await client.get("/cases", params={"number": light["number"]}, headers=agent)
    assert [c["id"] for c in r.json()["items"]] == [light["id"]]
    for words, expected in (("路灯", [light["id"]]), ("灯不亮", [light["id"]]), ("红荔路 1001", [light["id"]]),
                            ("打桩", [noise["id"]]), ("南园", sorted([light["id"], noise["id"]])),
                            ("路灯 打桩", [])):
        r = await client.get("/cases", params={"q": words}, headers=agent)
        assert r.status_code == 200, r.text
        assert sorted(c["id"] for c in r.json()["items"]) == expected, words

    r = await client.post("/cases/search", json={"phone": "138 0013 8124", "count": True}, headers=agent)
    assert [c["id"] for c in r.json()["items"]] == [noise["id"]] and r.json()["total"] == {"value": 1, "exact": True}
    r = await client.get("/cases", params={"phone": "the-number"}, headers=agent)
    assert r.status_code == 422 and r.json()["code"] == "query_parameter_unknown"  # phones never go in URLs


async def test_the_reply_is_searchable_and_the_total_counts_what_matches(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, **ROAD)
    lead = await f.login_as(app, "unit_staff", unit=case["lead_unit"]["id"])
    case = await f.act(client, lead, case, "sign")
    await f.act(client, lead, case, "reply", {"text": "已更换灯泡并检修线路", "signer": "王工"})
    r = await client.get("/cases", params={"q": "灯泡", "count": "true"}, headers=agent)
    assert [c["id"] for c in r.json()["items"]] == [case["id"]]
    assert r.json()["total"] == {"value": 1, "exact": True}
    r = await client.get("/cases", params={"q": "灯泡", "count": "true", "status": "closed"}, headers=agent)
    assert (r.json()["items"], r.json()["total"]["value"]) == ([], 0)


async def test_search_never_reaches_past_the_callers_scope(client, app):
    agent = await f.login_as(app, "agent")
    mine = await f.case(client, agent, **ROAD)
    other_unit = await f.unit_by_kind(app, "440305000000", "ecology_environment_bureau")
    outsider = await f.login_as(app, "unit_staff", unit=other_unit)
    r = await client.get("/cases", params={"q": "路灯", "count": "true"}, headers=outsider)
    assert (r.json()["items"], r.json()["total"]["value"]) == ([], 0)
    r = await client.get("/cases", params={"number": mine["number"]}, headers=outsider)
    assert r.json()["items"] == []
    resident = await f.login_as(app, "resident", username="13700009999")
    r = await client.post("/cases/search", json={"q": "路灯"}, headers=resident)
    assert r.json()["items"] == []


async def test_filters_by_place_urgency_marks_and_dates(client, app, clock):
    agent = await f.login_as(app, "agent")
    futian = await f.case(client, agent, **ROAD)
    nanshan = await f.case(client, agent, region_code="440305007003", address="科技园")
    r = await client.get("/cases", params={"region": "440304000000"}, headers=agent)
    assert [c["id"] for c in r.json()["items"]] == [futian["id"]]
    r = await client.get("/cases", params={"region": "440305007000", "urgency": "normal"}, headers=agent)
    assert [c["id"] for c in r.json()["items"]] == [nanshan["id"]]
    r = await client.get("/cases", params={"chased": "true"}, headers=agent)
    assert r.json()["items"] == []
    today = clock.now().date().isoformat()
    r = await client.get("/cases", params={"created_from": today, "created_to": today, "sort": "updated"},
                         headers=agent)
    assert sorted(c["id"] for c in r.json()["items"]) == sorted([futian["id"], nanshan["id"]])


@pytest.mark.parametrize(("params", "field"), [
    ({"supervised": "true", "supervized": "true"}, "query.supervized"),
    ({"created_from": "2026-12-01", "created_to": "2026-11-01"}, "query.created_from"),
    ({"created_from": "2026/12/01"}, "query.created_from"),
    ({"q": "路" * 101}, "query.q"),
    ({"number": "x" * 33}, "query.number"),
    ({"region": "4403"}, "query.region"),
    ({"region": "449999000000"}, "query.region"),
    ({"status": "open"}, "query.status"),
    ({"urgency": "panic"}, "query.urgency"),
    ({"sort": "random"}, "query.sort"),
    ({"count": "maybe"}, "query.count"),
])
async def test_bad_parameters_are_refused_naming_them(client, app, params, field):
    agent = await f.login_as(app, "agent")
    r = await client.get("/cases", params=params, headers=agent)
    assert r.status_code == 422, r.text
    assert field in [e["field"] for e in r.json()["errors"]], r.json()


def _walk(spec: dict) -> list[tuple[str, str]]:
    out = []
    for path, methods in spec["paths"].items():
        for method in methods:
            if not path.startswith("/open311/"):
                out.append((method.upper(), path))
    return out


async def test_every_route_refuses_a_parameter_it_does_not_take(client, app):
    """Walks the whole OpenAPI: each operation, called with one parameter it does not name, answers 422 naming it
    (before anything else, so no login is needed to show it). Open311 keeps its specification's behaviour."""
    spec = create_app(app.state.settings).openapi()
    operations = _walk(spec)
    assert len(operations) > 100
    for method, path in operations:
        url = path.replace("{", "").replace("}", "")  # any value: the parameter check comes first
        r = await client.request(method, url, params={"zz_not_a_parameter": "1"})
        assert r.status_code == 422, (method, path, r.status_code, r.text[:200])
        body = r.json()
        assert body["code"] == "query_parameter_unknown" and body["errors"][0]["field"] == "query.zz_not_a_parameter"
    r = await client.get("/open311/v2/services.json", params={"jurisdiction_id": "shenzhen", "extensions": "true"})
    assert r.status_code == 200


async def test_a_unit_sees_exactly_its_cases_whichever_way_its_list_is_read(client, app):
    """On SQLite a unit's list is read as IN for a unit holding few of the cases and as EXISTS for one holding
    many (app/cases/search_repository.py); both must give the same cases, in the same order, page after page."""
    from sqlalchemy.dialects import sqlite

    from app.cases.search_repository import _unit_clause

    agent = await f.login_as(app, "agent")
    lights = [await f.case(client, agent, **ROAD) for _ in range(3)]
    noise = await f.case(client, agent, **NOISE)
    busy, quiet = lights[0]["lead_unit"]["id"], noise["lead_unit"]["id"]
    assert busy != quiet and all(c["lead_unit"]["id"] == busy for c in lights)
    assert not any(quiet in f.active_units(c) for c in lights)  # so quiet holds 1 of the 4, busy at least 3
    async with app.state.sessionmaker() as session:
        forms = {u: str((await _unit_clause(session, u, page=2)).compile(dialect=sqlite.dialect()))
                 for u in (busy, quiet)}
    if app.state.settings.database_url.startswith("sqlite"):
        assert forms[busy].startswith("EXISTS") and " IN " in forms[quiet]  # 3² > 2·4 ≥ 1²
    else:
        assert all(form.startswith("EXISTS") for form in forms.values())
    for unit in (busy, quiet):
        expected = [c for c in (*lights, noise) if unit in f.active_units(c)]
        staff = await f.login_as(app, "unit_staff", unit=unit)
        for sort in ("due", "created", "updated"):
            seen = await f.all_pages(client, "/cases", {"limit": 1, "sort": sort}, staff)
            assert sorted(c["id"] for c in seen) == sorted(c["id"] for c in expected), sort
        r = await client.get("/cases", params={"count": "true"}, headers=staff)
        assert r.json()["total"] == {"value": len(expected), "exact": True}
    admin = await f.login_as(app, "admin")
    seen = await f.all_pages(client, "/cases", {"limit": 1, "unit": quiet}, admin)
    assert [c["id"] for c in seen] == [c["id"] for c in (*lights, noise) if quiet in f.active_units(c)]


async def test_every_route_that_answers_401_without_a_token_documents_the_bearer_scheme(client, app):
    """Routes read the token in the request's context (app.core.context), not through a dependency FastAPI sees;
    the OpenAPI document still names the scheme on each of them (app.core.docs), so that a generated client and
    the docs' Authorize button send it."""
    spec = create_app(app.state.settings).openapi()
    assert spec["components"]["securitySchemes"]["OAuth2PasswordBearer"]["flows"]["password"]["tokenUrl"] == \
        "/auth/token"
    asked = 0
    for method, path in _walk(spec):
        r = await client.request(method, re.sub(r"\{[^}]+\}", "1", path))
        if r.status_code == 401:
            asked += 1
            security = spec["paths"][path][method.lower()].get("security", [])
            assert {"OAuth2PasswordBearer": []} in security, (method, path)
    assert asked > 100
    assert spec["paths"]["/healthz"]["get"].get("security") is None
