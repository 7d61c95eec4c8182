"""The audit trail, readable (#27.6): an auditor (or an administrator) lists and exports who read or changed whose
record, when, from where and why, filtered by person, user, unit, action and period; reading it is itself
recorded; nobody else reads it; an auditor reads nothing else and changes nothing."""

import csv
import io
from datetime import timedelta

import pytest
from sqlalchemy import select

from app.core import audit, db
from app.models import AuditLog
from tests import care
from tests import factories as f
from tests.pii_logs import unmasked_numbers

CALLER = "13800138000"


async def _count(app) -> int:
    return await f.count_rows(app, AuditLog)


async def _world(client, app):
    """An agent reveals a caller's phone (with a reason) and a workstation looks a person up and reads her."""
    unit = await f.unit_by_kind(app, care.YUANDONG, "community_workstation")  # keeps the register: a registrar
    ids = {"agent": await f.user(app, "agent", name="王话务"), "staff": await f.user(app, "unit_staff", unit=unit,
                                                                                     name="陈社工"),
           "auditor": await f.user(app, "auditor", name="审计员甲"), "admin": await f.user(app, "admin", name="管理员")}
    h = {role: f.bearer(app, uid, "unit_staff" if role == "staff" else role) for role, uid in ids.items()}
    staff = h["staff"]
    case = await f.case(client, h["agent"], caller_phone=CALLER)
    revealed = await client.get(f"/cases/{case['id']}", params={"reveal": "contact", "reason": "回访来电人"},
                                headers=h["agent"])
    assert revealed.status_code == 200, revealed.text
    elder = await care.person(client, staff, care.ELDER_ID, "李建国")
    found = await client.post("/people/lookup", json={"id_number": care.ELDER_ID}, headers=staff)
    assert found.status_code == 200, found.text
    assert (await client.get(f"/people/{elder['id']}", headers=staff)).status_code == 200
    return h, ids, unit, case, elder


async def _records(client, headers, **params) -> list[dict]:
    response = await client.get("/audit/records", params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_an_auditor_reads_who_when_why_and_from_where(client, app, clock):
    h, ids, unit, case, elder = await _world(client, app)
    items = await _records(client, h["auditor"])
    actions = [r["action"] for r in items]
    assert {"case.reveal_contact", "person.lookup", "person.read", "person.create"} <= set(actions)
    assert items == sorted(items, key=lambda r: (r["at"], r["id"]), reverse=True)  # newest first
    [reveal] = [r for r in items if r["action"] == "case.reveal_contact"]
    assert reveal["actor"] == {"id": ids["agent"], "name": "王话务", "role": "agent", "role_label": "话务/窗口受理员",
                               "unit": None}
    assert reveal["target"] == {"type": "case", "id": str(case["id"]), "label": f"{case['number']} (hotline)",
                                "person_id": None}
    assert reveal["at"].startswith("2026-11-23T02:00:00") and reveal["ip"] == "127.0.0.1"
    assert reveal["reason"] == "回访来电人"  # why
    [lookup] = [r for r in items if r["action"] == "person.lookup"]
    assert lookup["actor"]["unit"] == {"id": unit, "name": lookup["actor"]["unit"]["name"]}
    assert lookup["actor"]["unit"]["name"] and lookup["actor"]["name"] == "陈社工"
    assert lookup["target"] == {"type": "person", "id": str(elder["id"]), "label": "李*国", "person_id": elder["id"]}
    # A reason typed with a number in it (in a body: never in a URL, where the access log would keep it).
    await client.post(f"/people/{elder['id']}/reveal", json={"reason": f"核实，来电 {CALLER}、{care.ELDER_ID}"},
                      headers=h["staff"])
    [why] = await _records(client, h["auditor"], action="person.reveal")
    assert why["reason"] == "核实，来电 138****8000、110***********0033" == why["detail"]["reason"]
    response = await client.get("/audit/records", headers=h["auditor"])
    assert unmasked_numbers(response.text) == [] and "李建国" not in response.text
    # In English, roles read in English.
    english = await client.get("/audit/records", params={"action": "case.reveal_contact"},
                               headers={**h["auditor"], "Accept-Language": "en"})
    assert english.json()["items"][0]["actor"]["role_label"] == "Hotline or counter agent"


async def test_filters_by_user_action_unit_person_and_period(client, app, clock):
    h, ids, unit, case, elder = await _world(client, app)
    by_agent = await _records(client, h["auditor"], user=ids["agent"])
    assert by_agent and {r["actor"]["id"] for r in by_agent} == {ids["agent"]}
    exact = await _records(client, h["auditor"], action="person.read")
    assert [r["action"] for r in exact] == ["person.read"]
    for prefix in ("person.", "person.*"):
        assert {r["action"] for r in await _records(client, h["auditor"], action=prefix)} == {
            "person.create", "person.lookup", "person.read"}
    both = await _records(client, h["auditor"], action="case.reveal_contact,person.lookup")
    assert sorted(r["action"] for r in both) == ["case.reveal_contact", "person.lookup"]
    assert {r["action"] for r in await _records(client, h["auditor"], action="person_")} == set()  # "_" is literal
    in_unit = await _records(client, h["auditor"], unit=unit)
    assert in_unit and {r["actor"]["unit"]["id"] for r in in_unit} == {unit}
    assert {r["action"] for r in in_unit} >= {"person.create", "person.lookup", "person.read"}
    mine = await _records(client, h["auditor"], person=elder["id"])
    assert {r["action"] for r in mine} == {"person.create", "person.lookup", "person.read"}
    assert await _records(client, h["auditor"], person=10**9) == []
    # The period: local dates (Asia/Shanghai, inclusive) and instants with offsets.
    clock.advance(days=1)  # Tuesday 24 November, 10:00 in Shanghai
    assert (await client.get(f"/people/{elder['id']}", headers=h["staff"])).status_code == 200
    reads = {"action": "person.read"}
    assert len(await _records(client, h["auditor"], **reads, **{"from": "2026-11-23", "to": "2026-11-23"})) == 1
    assert len(await _records(client, h["auditor"], **reads, **{"from": "2026-11-23", "to": "2026-11-24"})) == 2
    assert len(await _records(client, h["auditor"], **reads, **{"from": "2026-11-24"})) == 1
    assert len(await _records(client, h["auditor"], **reads, to="2026-11-22")) == 0
    # 10:00 Shanghai on the 24th is 02:00Z: `from` an instant is inclusive, `to` an instant exclusive (as for cases).
    assert len(await _records(client, h["auditor"], **reads, **{"from": "2026-11-24T10:00:00+08:00"})) == 1
    assert len(await _records(client, h["auditor"], **reads, to="2026-11-24T02:00:00.000001Z")) == 2
    assert len(await _records(client, h["auditor"], **reads, to="2026-11-24T02:00:00Z")) == 1
    # A "+" left unencoded arrives as a space: still read as the offset.
    spaced = await client.get("/audit/records?action=person.read&from=2026-11-24T10:00:00 08:00",
                              headers=h["auditor"])
    assert spaced.status_code == 200 and len(spaced.json()["items"]) == 1


async def test_the_person_filter_follows_the_cases_and_account_of_the_person(client, app, clock):
    h, ids, unit, case, elder = await _world(client, app)
    resident = await f.user(app, "resident", username="13900139001", name="赵六")
    rh = f.bearer(app, resident, "resident")
    me = (await client.post("/people/me", json={"name": "赵六", "id_number": care.ADULT_ID,
                                                "region_code": care.YUANDONG}, headers=rh)).json()
    own = await f.case(client, rh, caller_phone=None)
    assert (await client.get(f"/cases/{own['id']}", params={"reveal": "contact", "reason": "核实地址"},
                             headers=h["agent"])).status_code == 200
    theirs = await _records(client, h["auditor"], person=me["id"])
    by_action = {r["action"]: r for r in theirs}
    # Her register entry, the account bound to it (created before she bound it) and the case that account filed.
    assert {"account.create", "case.reveal_contact"} <= set(by_action), sorted(by_action)
    assert by_action["account.create"]["target"] == {"type": "user", "id": str(resident), "label": "赵* (居民)",
                                                     "person_id": me["id"]}
    reveal = by_action["case.reveal_contact"]
    assert reveal["target"]["person_id"] == me["id"] and reveal["target"]["id"] == str(own["id"])
    assert all(r["target"]["id"] != str(case["id"]) for r in theirs)  # the agent's own case is someone else's


async def test_pages_follow_the_cursor_to_the_end(client, app, clock):
    h, *_ = await _world(client, app)
    everything = await _records(client, h["auditor"], action="person.,case.,account.", limit=100)
    paged = await f.all_pages(client, "/audit/records", {"action": "person.,case.,account.", "limit": 2},
                              headers=h["auditor"])
    assert [r["id"] for r in paged] == [r["id"] for r in everything] and len(paged) > 4


async def test_a_count_says_how_many_records_match(client, app, clock, monkeypatch):
    h, ids, unit, case, elder = await _world(client, app)

    async def page(url="/audit/records", **params):
        response = await client.get(url, params=params, headers=h["auditor"])
        assert response.status_code == 200, response.text
        return response.json()

    counted = await page(action="person.", count="true", limit=1)
    assert counted["total"] == {"value": 3, "exact": True} and len(counted["items"]) == 1 and counted["next_cursor"]
    assert (await page(action="person."))["total"] is None  # only when asked
    assert (await page(person=elder["id"], count="true", **{"from": "2026-11-23"}))["total"] == {"value": 3,
                                                                                                 "exact": True}
    # A read never counts itself: the first read of the reads finds none, the second the first.
    assert (await page(action="audit.read", user=ids["admin"], count="true"))["total"]["value"] == 0
    await client.get("/audit/records", headers=h["admin"])
    assert (await page(action="audit.read", user=ids["admin"], count="true"))["total"]["value"] == 1
    # Beyond the cap the total is an estimate, and says so (PostgreSQL: the planner's; SQLite: the cap).
    monkeypatch.setattr(db, "ESTIMATE_ABOVE", 1)
    estimated = await page(action="person.,case.", person=elder["id"], count="true",
                           **{"from": "2026-11-23", "to": "2026-11-24T00:00:00Z"})
    assert estimated["total"]["exact"] is False and estimated["total"]["value"] >= 2
    # The CSV offers no total: asking for one is a parameter it does not take.
    response = await client.get("/audit/records.csv", params={"count": "true"}, headers=h["auditor"])
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["query.count"]
    response = await client.get("/audit/records", params={"count": "maybe"}, headers=h["auditor"])
    assert response.status_code == 422 and [e["field"] for e in response.json()["errors"]] == ["query.count"]


async def test_the_trail_offers_no_way_to_change_it(client, app):
    """Append-only: no route writes, changes or deletes a record (the database refuses UPDATE and early DELETE
    on its own, tests/api/test_audit.py); the auditor's own reads are added, never anything else."""
    schema = (await client.get("/openapi.json")).json()
    methods = {m for path, ops in schema["paths"].items() if path.startswith("/audit") for m in ops}
    assert methods == {"get"}
    auditor = await f.login_as(app, "auditor")
    admin = await f.login_as(app, "admin")
    for headers in (auditor, admin):
        for method in ("POST", "PUT", "PATCH", "DELETE"):
            response = await client.request(method, "/audit/records", headers=headers)
            assert response.status_code in (403, 405), (method, response.status_code)


async def test_csv_export_masks_numbers_and_is_itself_audited(client, app, clock):
    h, ids, unit, case, elder = await _world(client, app)
    response = await client.get("/audit/records.csv", params={"action": "case.,person."}, headers=h["auditor"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"].startswith("text/csv")
    assert "attachment" in response.headers["content-disposition"]
    assert response.content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][:3] == ["编号", "时间（Asia/Shanghai）", "操作"]
    by_action = {row[2]: row for row in rows[1:]}
    assert set(by_action) == {"case.reveal_contact", "person.create", "person.lookup", "person.read"}
    reveal = by_action["case.reveal_contact"]
    assert reveal[1] == "2026-11-23 10:00:00" and reveal[5] == "王话务" and reveal[12] == "回访来电人"
    assert unmasked_numbers(response.text) == [] and "李建国" not in response.text
    english = await client.get("/audit/records.csv", params={"action": "case.reveal_contact"},
                               headers={**h["auditor"], "Accept-Language": "en"})
    assert english.content.decode("utf-8-sig").splitlines()[0].startswith("id,time (Asia/Shanghai),action")
    [export] = await _records(client, h["auditor"], action="audit.export", limit=1)
    assert export["actor"]["id"] == ids["auditor"] and export["actor"]["role"] == "auditor"
    assert export["detail"]["filters"] == {"action": "case.reveal_contact"}


async def test_a_formula_in_a_reason_is_quoted_in_the_csv(client, app, clock):
    h, ids, unit, case, elder = await _world(client, app)
    await client.post(f"/people/{elder['id']}/reveal", json={"reason": "=HYPERLINK(\"http://x\")核对"},
                      headers=h["staff"])
    rows = list(csv.reader(io.StringIO((await client.get("/audit/records.csv", params={"action": "person.reveal"},
                                                         headers=h["auditor"])).content.decode("utf-8-sig"))))
    assert rows[1][12] == "'=HYPERLINK(\"http://x\")核对"


async def test_the_auditors_own_read_appears_with_its_filters(client, app, clock):
    h, ids, *_ = await _world(client, app)
    before = await _count(app)
    await _records(client, h["auditor"], user=ids["agent"], action="case.", **{"from": "2026-11-23"})
    assert await _count(app) == before + 1
    [read] = await _records(client, h["auditor"], action="audit.read", limit=1)
    assert read["actor"]["id"] == ids["auditor"] and read["actor"]["role_label"] == "审计员"
    assert read["detail"]["filters"] == {"user": ids["agent"], "action": "case.", "from": "2026-11-23"}
    assert read["detail"]["records"] == 1 and read["ip"] == "127.0.0.1"
    # Administrators read the trail too, and their reads are recorded the same way.
    assert await _records(client, h["admin"], user=ids["auditor"])
    [admin_read] = await _records(client, h["auditor"], action="audit.read", user=ids["admin"])
    assert admin_read["detail"]["filters"] == {"user": ids["auditor"]}


async def test_nobody_else_reads_the_trail(client, app, clock):
    h, ids, unit, *_ = await _world(client, app)
    others = {"agent": h["agent"], "unit_staff": h["staff"], "dispatcher": await f.login_as(app, "dispatcher"),
              "resident": await f.login_as(app, "resident"), "volunteer": await f.login_as(app, "volunteer")}
    before = await _count(app)
    for role, headers in others.items():
        for url in ("/audit/records", "/audit/records.csv"):
            response = await client.get(url, headers=headers)
            assert (response.status_code, response.json()["code"]) == (403, "forbidden"), (role, url)
            # Refused before the filters are read: a bad value changes nothing.
            response = await client.get(url, params={"user": "abc", "from": "x"}, headers=headers)
            assert response.status_code == 403, (role, url)
    assert (await client.get("/audit/records")).status_code == 401
    assert await _count(app) == before


async def test_an_auditor_reads_nothing_else_and_changes_nothing(client, app, clock):
    h, ids, unit, case, elder = await _world(client, app)
    auditor = h["auditor"]
    assert (await client.get(f"/cases/{case['id']}", headers=auditor)).status_code == 404
    assert (await client.get("/cases", headers=auditor)).json()["items"] == []
    assert (await client.get(f"/people/{elder['id']}", headers=auditor)).status_code in (403, 404)
    assert (await client.get("/people", headers=auditor)).status_code in (403, 404)
    assert (await client.get("/cases/export", headers=auditor)).status_code == 403
    before = await _count(app)
    for method, url, body in (("POST", "/cases", {**f.NOISE_CASE}), ("POST", "/people/lookup",
                                                                       {"id_number": care.ELDER_ID}),
                              ("POST", f"/people/{elder['id']}/reveal", {"reason": "核对"}),
                              ("POST", "/timebank/donations", {"hours": 1, "bucket": "own"}),
                              ("POST", "/volunteers", care.volunteer_body(care.ADULT_ID, "赵六"))):
        response = await client.request(method, url, json=body, headers=auditor)
        assert (response.status_code, response.json()["code"]) == (403, "forbidden"), url
    assert await _count(app) == before
    # Its own sign-in is its own: it may change its password and log out.
    changed = await client.post("/auth/password", json={"current_password": f.PASSWORD,
                                                        "new_password": "Another#Pass2027"}, headers=auditor)
    assert changed.status_code == 200, changed.text
    fresh = {"Authorization": f"Bearer {changed.json()['access_token']}"}
    assert (await client.post("/auth/logout", headers=fresh)).status_code == 204


@pytest.mark.parametrize(("params", "status", "code", "fields"), [
    ({"bogus": "1"}, 422, "query_parameter_unknown", ["query.bogus"]),
    ({"user_id": "1", "since": "2026-11-23"}, 422, "query_parameter_unknown", ["query.since", "query.user_id"]),
    ("user=1&user=2", 422, "audit_parameter_repeated", ["query.user"]),
    ({"from": "2026-11-24", "to": "2026-11-23"}, 422, "query_invalid", ["query.from", "query.to"]),
    ({"from": "2026-11-24T10:00:00+08:00", "to": "2026-11-24T02:00:00Z"}, 422, "query_invalid",
     ["query.from", "query.to"]),
    ({"from": "2026-13-01"}, 422, "query_invalid", ["query.from"]),
    ({"to": "23/11/2026"}, 422, "query_invalid", ["query.to"]),
    ({"from": "2026-11-23T10:00:00"}, 422, "query_invalid", ["query.from"]),  # a time without its offset
    ({"cursor": "not-a-cursor"}, 400, "cursor_invalid", ["query.cursor"]),
    ({"cursor": "WyJ4IiwxXQ"}, 400, "cursor_invalid", ["query.cursor"]),  # ["x",1]
    ({"action": "Case;drop"}, 422, "validation_failed", ["query.action"]),
    ({"user": "abc"}, 422, "validation_failed", ["query.user"]),
    ({"limit": "0"}, 422, "validation_failed", ["query.limit"]),
])
async def test_bad_parameters_are_named_and_write_nothing(client, app, params, status, code, fields):
    auditor = await f.login_as(app, "auditor")
    before = await _count(app)
    for url in ("/audit/records", "/audit/records.csv"):
        if "cursor" in params and url.endswith(".csv") or "limit" in params and url.endswith(".csv"):
            continue
        if isinstance(params, str):
            response = await client.get(f"{url}?{params}", headers=auditor)
        else:
            response = await client.get(url, params=params, headers=auditor)
        assert response.status_code == status, response.text
        body = response.json()
        assert body["code"] == code and sorted(e["field"] for e in body["errors"]) == fields, body
    assert await _count(app) == before


async def test_the_csv_knows_no_cursor_or_limit(client, app):
    auditor = await f.login_as(app, "auditor")
    response = await client.get("/audit/records.csv", params={"cursor": "x", "limit": "5"}, headers=auditor)
    assert response.status_code == 422 and sorted(e["field"] for e in response.json()["errors"]) == [
        "query.cursor", "query.limit"]


async def test_records_older_than_the_unit_column_show_no_unit(client, app, clock):
    staff_unit, staff = await care.workstation(app)
    staff_id = (await client.get("/me", headers=staff)).json()["id"]
    async with app.state.sessionmaker() as session:  # as records were written before the actor's unit was kept
        audit.record(session, at=clock.now() - timedelta(days=30), action="person.read", actor_user_id=staff_id,
                     target_type="person", target_id=10**9)
        await session.commit()
    auditor = await f.login_as(app, "auditor")
    [old] = await _records(client, auditor, action="person.read")
    assert old["actor"]["id"] == staff_id and old["actor"]["role"] == "unit_staff" and old["actor"]["unit"] is None
    assert old["target"] == {"type": "person", "id": str(10**9), "label": None, "person_id": 10**9}
    assert await _records(client, auditor, unit=staff_unit, action="person.read") == []
    async with app.state.sessionmaker() as session:
        [row] = (await session.execute(select(AuditLog).where(AuditLog.action == "person.read"))).scalars()
        assert row.actor_unit_id is None and row.actor_role is None
