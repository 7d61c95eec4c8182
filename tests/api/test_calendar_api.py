from pathlib import Path

import yaml

from tests import factories as f

YEAR_2027 = yaml.safe_load((Path(__file__).parents[1] / "data" / "calendar_2027.yaml").read_text(encoding="utf-8"))


def _entries(items):
    return [{"date": d["date"].isoformat(), "name": d["name"]} for d in items]


async def test_add_working_days_contract(client):
    r = await client.get("/calendar/add-working-days", params={"start": "2026-09-30", "days": 1})
    body = r.json()
    assert body["date"] == "2026-10-08" and body["calendar_complete"] is True
    assert any(d["date"] == "2026-10-01" for d in body["non_working_days_skipped"])
    r = await client.get("/calendar/add-working-days", params={"start": "2026-12-30", "days": 3})
    # 2027 has no notice yet: its statutory holidays are rest days all the same (元旦 on Friday 1 January), and
    # the answer says the calendar is incomplete.
    assert r.json() == {**r.json(), "date": "2027-01-05", "calendar_complete": False}
    assert {"date": "2027-01-01", "name": "元旦"} in r.json()["non_working_days_skipped"]


async def test_add_working_days_bad_input(client):
    for params in [{"start": "2026-13-01", "days": 1}, {"start": "2026-01-01", "days": "x"},
                   {"days": 1}, {"start": "2026-01-01", "days": 9999}]:
        r = await client.get("/calendar/add-working-days", params=params)
        assert r.status_code == 422 and r.json()["code"] == "validation_failed", params


async def test_admin_loads_a_year(client, app):
    admin = await f.login_as(app, "admin")
    year = {"source": YEAR_2027["source"], "holidays": _entries(YEAR_2027["holidays"]),
            "workdays": _entries(YEAR_2027["workdays"])}
    agent = await f.login_as(app, "agent")
    assert (await client.put("/calendar/years/2027", json=year, headers=agent)).status_code == 403
    bad = await client.put("/calendar/years/2027", json={**year, "holidays": [{"date": "2026-12-31"}]},
                           headers=admin)
    assert bad.status_code == 422 and bad.json()["code"] == "calendar_year_invalid"
    clash = await client.put("/calendar/years/2027", json={**year, "workdays": [{"date": "2027-01-01"}]},
                             headers=admin)
    assert clash.status_code == 422
    # One holiday does not make a year: every statutory day the law fixes must be in the schedule.
    partial = await client.put("/calendar/years/2027", json={**year, "holidays": [{"date": "2027-01-01"}]},
                               headers=admin)
    assert partial.status_code == 422 and partial.json()["code"] == "calendar_year_invalid"
    missing = {e["date"] for e in partial.json()["errors"] if e["code"] == "statutory_day_missing"}
    assert {"2027-02-05", "2027-04-05", "2027-06-09", "2027-09-15", "2027-10-03"} <= missing
    assert "2027-01-01" not in missing
    r = await client.put("/calendar/years/2027", json=year, headers=admin)
    assert r.status_code == 200
    answer = (await client.get("/calendar/add-working-days", params={"start": "2026-12-31", "days": 1})).json()
    assert answer == {**answer, "date": "2027-01-04", "calendar_complete": True}
    years = (await client.get("/calendar/years")).json()
    assert 2026 in years["package_years"] and years["loaded_years"][0]["year"] == 2027
    profiles = (await client.get("/calendar/profiles")).json()["items"]
    assert {p["code"] for p in profiles} == {"beijing_2021", "shanghai_subdistrict", "shandong", "shenzhen"}
    assert [p["code"] for p in profiles if p["selected"]] == ["shanghai_subdistrict"]
