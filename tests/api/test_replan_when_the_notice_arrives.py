"""Deadlines that run into a year whose notice is not out are provisional, and are re-planned from their start
when the year is loaded: later dues move (and units hear), earlier ones keep what was announced."""

from datetime import UTC, datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import yaml
from sqlalchemy import select

from app.models import Case, OutboxEvent
from tests import care
from tests import factories as f
from tests.api.test_aid import household

ZONE = ZoneInfo("Asia/Shanghai")
YEAR_2027 = yaml.safe_load((Path(__file__).parents[1] / "data" / "calendar_2027.yaml").read_text(encoding="utf-8"))


def end_of(y, m, d) -> str:
    return datetime(y, m, d, 23, 59, 59, tzinfo=ZONE).astimezone(UTC).isoformat().replace("+00:00", "Z")


def _at(value: str) -> datetime:
    return datetime.fromisoformat(value.replace("Z", "+00:00"))


def _change(event: dict) -> dict:
    """The event's first change with its instants parsed."""
    change = event["data"]["changes"][0]
    return {**change, **{k: _at(change[k]) for k in ("before", "computed", "after")}}


def _year(**overrides) -> dict:
    entries = {k: [{"date": d["date"].isoformat(), "name": d["name"]} for d in YEAR_2027[k]]
               for k in ("holidays", "workdays")}
    return {"source": YEAR_2027["source"], **entries, **overrides}


async def _aid_case(client, app, staff, id_number: str, name: str) -> dict:
    person = await care.person(client, staff, id_number, name)
    r = await client.post("/aid/applications", json=household(person["id"]), headers=staff)
    assert r.status_code == 201, r.text
    return r.json()


async def test_the_issue_example_an_aid_case_filed_on_21_december(client, app, clock):
    clock.set(datetime(2026, 12, 21, 10, tzinfo=ZONE))
    _, staff = await care.workstation(app)
    case = await _aid_case(client, app, staff, care.ADULT_ID, "李建华")
    # 25 working days: 元旦 (Fri 1 Jan 2027) is a rest day although 2027 has no notice, and the due says so.
    assert case["deadlines"]["handle_due"] == end_of(2027, 1, 26)
    assert (case["deadlines"]["calendar_complete"], case["deadlines"]["provisional"]) == (False, ["handle_due"])
    queue = await client.get("/cases", headers=staff)
    assert [c["calendar_complete"] for c in queue.json()["items"] if c["id"] == case["id"]] == [False]

    admin = await f.login_as(app, "admin")
    r = await client.put("/calendar/years/2027", json=_year(), headers=admin)
    assert r.status_code == 200, r.text
    assert r.json()["cases_replanned"] == 1
    after = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    # The schedule makes Sat 9 Jan a working day: computed afresh the due is a day earlier, but a re-plan never
    # takes time away: the announced due stands, and the timeline says both.
    assert after["deadlines"]["handle_due"] == end_of(2027, 1, 26)
    assert (after["deadlines"]["calendar_complete"], after["deadlines"]["provisional"]) == (True, [])
    replan = [e for e in after["timeline"] if e["type"] == "replan"]
    assert len(replan) == 1
    change = _change(replan[0])
    assert change == {**change, "deadline": "handle_due", "before": _at(end_of(2027, 1, 26)),
                      "computed": _at(end_of(2027, 1, 25)), "after": _at(end_of(2027, 1, 26)),
                      "kept_announced": True}


async def test_a_due_the_notice_pushes_later_moves_and_every_unit_hears(client, app, clock):
    clock.set(datetime(2027, 1, 20, 10, tzinfo=ZONE))  # 2027 still without its notice
    _, staff = await care.workstation(app)
    case = await _aid_case(client, app, staff, care.VOLUNTEER_ID, "张敏")
    # 25 working days from Wed 20 Jan over the law's Spring Festival (5–8 Feb) alone.
    assert case["deadlines"]["handle_due"] == end_of(2027, 2, 26)
    agent = await f.login_as(app, "agent")
    hotline = await f.case(client, agent)
    assert hotline["deadlines"]["provisional"] == ["handle_due", "return_until"]  # sign-for is in hours
    async with app.state.sessionmaker() as session:
        outbox_before = len((await session.execute(select(OutboxEvent))).scalars().all())

    admin = await f.login_as(app, "admin")
    r = await client.put("/calendar/years/2027", json=_year(), headers=admin)
    assert r.status_code == 200 and r.json()["cases_replanned"] >= 1
    after = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    # The notice adds 9–11 Feb as rest days and makes Sat 20 Feb a working day: two days later in all.
    assert after["deadlines"]["handle_due"] == end_of(2027, 3, 2)
    assert after["deadlines"]["calendar_complete"] is True
    change = _change(next(e for e in after["timeline"] if e["type"] == "replan"))
    assert (change["before"], change["after"], change["kept_announced"]) == (_at(end_of(2027, 2, 26)),
                                                                            _at(end_of(2027, 3, 2)), False)
    # The hotline order's dues did not move under the real calendar: final now, without an event.
    order = (await client.get(f"/cases/{hotline['id']}", headers=agent)).json()
    assert (order["deadlines"]["calendar_complete"], order["deadlines"]["provisional"]) == (True, [])
    assert not [e for e in order["timeline"] if e["type"] == "replan"]
    async with app.state.sessionmaker() as session:
        told = (await session.execute(select(OutboxEvent).where(OutboxEvent.case_id == case["id"],
                                                                OutboxEvent.type == "replan"))).scalars().all()
        assert {e.unit_id for e in told} == {a["unit"]["id"] for a in after["assignments"] if a["active"]}
        assert len((await session.execute(select(OutboxEvent))).scalars().all()) > outbox_before
        row = await session.get(Case, case["id"])
        assert row.provisional is None
    # Loading the same year again finds nothing left to re-plan.
    again = await client.put("/calendar/years/2027", json=_year(), headers=admin)
    assert again.json()["cases_replanned"] == 0


async def test_a_bad_year_file_is_refused_naming_the_dates_and_changes_nothing(client, app, clock):
    clock.set(datetime(2026, 12, 21, 10, tzinfo=ZONE))
    _, staff = await care.workstation(app)
    case = await _aid_case(client, app, staff, care.ADULT_ID, "李建华")
    admin = await f.login_as(app, "admin")
    holidays = _year()["holidays"]
    for body, code, date in [
        (_year(holidays=[h for h in holidays if h["date"] != "2027-06-09"]), "statutory_day_missing", "2027-06-09"),
        (_year(holidays=[*holidays, {"date": "2026-12-31", "name": "跨年"}]), "date_outside_year", "2026-12-31"),
        (_year(holidays=[*holidays, holidays[0]]), "date_listed_twice", "2027-01-01"),
        (_year(workdays=[{"date": "2027-10-02", "name": "调休"}]), "statutory_day_as_workday", "2027-10-02"),
    ]:
        r = await client.put("/calendar/years/2027", json=body, headers=admin)
        assert r.status_code == 422 and r.json()["code"] == "calendar_year_invalid", r.text
        assert {"code": code, "date": date} in [{"code": e["code"], "date": e.get("date")} for e in r.json()["errors"]]
        assert date in r.json()["detail"]
    years = (await client.get("/calendar/years")).json()
    assert years["loaded_years"] == []
    still = (await client.get(f"/cases/{case['id']}", headers=staff)).json()
    assert still["deadlines"]["provisional"] == ["handle_due"]
    assert not [e for e in still["timeline"] if e["type"] == "replan"]


async def test_the_working_day_calculator_skips_every_statutory_day_of_2027(client):
    for start, days, expected, holiday in [("2026-12-31", 1, "2027-01-04", "2027-01-01"),
                                           ("2027-02-04", 1, "2027-02-09", "2027-02-05"),
                                           ("2027-04-02", 1, "2027-04-06", "2027-04-05"),
                                           ("2027-06-08", 1, "2027-06-10", "2027-06-09"),
                                           ("2027-09-14", 1, "2027-09-16", "2027-09-15"),
                                           ("2027-09-30", 1, "2027-10-04", "2027-10-01")]:
        r = await client.get("/calendar/add-working-days", params={"start": start, "days": days})
        body = r.json()
        assert (body["date"], body["calendar_complete"]) == (expected, False), start
        assert holiday in [d["date"] for d in body["non_working_days_skipped"]]
