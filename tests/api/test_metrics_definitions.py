"""Every rate against a data set computed by hand, through the HTTP API, on both databases.

The data set (all complaints about noise in 南园社区, routed to Futian's ecology bureau "eco", unless said):

  A  signed and replied in time; a leader's override recorded before the reply; called back satisfied, solved
  B  signed late, replied late (after its 30 Nov deadline), called back dissatisfied (not the unit's fault)
  C  signed by eco, then returned; the centre gives it to urban management, which signs and replies in time
  D  a consultation the agent answers directly (直办); called back basically satisfied, solved
  E  a duplicate of A, merged: counted once (under A), nowhere in the rates
  H  replied, called back dissatisfied with the unit at fault: redo (重办); signed and replied again, satisfied
  I  an extension of 3 working days approved; replied within it
  J  withdrawn before anyone signed for it
  F  taken 27 Nov, replied 2 Dec; due 4 Dec: not yet due on 2 Dec
  G  taken 30 Nov, never signed nor replied; due 7 Dec
  K  taken 30 Nov in 南园, its place corrected to 园岭 (same lead unit): its figures move to 园岭

The clock (Asia/Shanghai): Mon 23 Nov 10:00 (T0) most of the work; Tue 24 Nov 12:00 (T1) replies to A and H
and their callbacks; Wed 25 Nov 10:00 (T2) H's second round, I's and C's replies; Fri 27 Nov (T3) F; Mon 30 Nov
(T4) G and K; Wed 2 Dec 10:00 (T5) B and F replied, B called back. The deployment profile is Shanghai's: sign for
within 24 hours, complaints within 5 working days (due at the end of the day).
"""

from datetime import UTC, datetime

from sqlalchemy import select

from app.cases import repository as cases_repo
from app.core.context import Ctx
from tests import factories as f

FUTIAN = "440304000000"
NANYUAN, YUANLING = "440304001000", "440304002000"
REPLY = {"text": "已到现场处理，施工单位已整改", "signer": "王科长"}
T1 = datetime(2026, 11, 24, 4, 0, tzinfo=UTC)
T2 = datetime(2026, 11, 25, 2, 0, tzinfo=UTC)
T3 = datetime(2026, 11, 27, 2, 0, tzinfo=UTC)
T4 = datetime(2026, 11, 30, 2, 0, tzinfo=UTC)
T5 = datetime(2026, 12, 2, 2, 0, tzinfo=UTC)
T6 = datetime(2026, 12, 8, 2, 0, tzinfo=UTC)


def r(value, numerator, denominator):
    return {"value": value, "numerator": numerator, "denominator": denominator}


async def _override(app, case_id: int) -> None:
    """A leader's decision against the latest check, as issue 23 records it: an `override` event on the timeline."""
    async with app.state.sessionmaker() as session:
        ctx = Ctx.for_system(app.state, session, app.state.clock.now())
        case = await cases_repo.get(session, case_id, with_children=False)
        ctx.event(case, "override", reason="经领导研究，予以批准", data={"against": "household_check"})
        await session.commit()


async def data_set(client, app, clock) -> dict:
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    urban = await f.unit_by_kind(app, FUTIAN, "urban_management_bureau")
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    urban_staff = await f.login_as(app, "unit_staff", unit=urban)

    async def new(description: str, **kw) -> dict:
        return await f.case(client, agent, description=description, **kw)

    # T0, Monday 23 November, 10:00.
    a = await new("楼下工地晚上十一点还在施工，噪音很大，影响休息")
    b = await new("隔壁工厂夜里机器轰鸣，吵得没法睡")
    c = await new("工地凌晨打桩，噪声太大")
    d = await new("夜间施工几点以后算扰民？", hold=True, work_order_type="consultation")
    e = await new("南园社区工地晚上施工太吵了")
    h = await new("小区旁边的酒吧每晚音乐声很大")
    i = await new("广场舞音响声音太大，每天晚上九点后还在放")
    j = await new("装修电钻声从早响到晚")
    assert {x["lead_unit"]["id"] for x in (a, b, c, e, h, i, j)} == {eco}
    a = await f.act(client, eco_staff, a, "sign")
    c = await f.act(client, eco_staff, c, "sign")
    h = await f.act(client, eco_staff, h, "sign")
    i = await f.act(client, eco_staff, i, "sign")
    c = await f.act(client, eco_staff, c, "return", {"reason": "属城管职责", "legal_basis": "城管执法事项目录",
                                                      "suggested_unit_id": urban})
    c = await f.act(client, dispatcher, c, "accept_return", {})
    c = await f.act(client, urban_staff, c, "sign")
    await f.act(client, agent, e, "merge", {"master_case_id": a["id"]})
    d = await f.act(client, agent, d, "direct_answer", {"article_code": "kb-noise-construction-01",
                                                        "answer": "晚上十点至次日六点施工须持夜间施工证明"})
    await f.act(client, agent, d, "callback", {"reached": True, "solved": True, "satisfaction": "basically_satisfied"})
    await f.act(client, agent, j, "withdraw", {"reason": "来电人表示已自行解决"})
    i = await f.act(client, eco_staff, i, "request_extension", {"days": 3, "reason": "需协调多部门联合执法",
                                                                 "basis": "延期办理规定"})
    i = await f.act(client, dispatcher, i, "approve_extension", {})
    await _override(app, a["id"])

    clock.set(T1)  # Tuesday 24 November, 12:00: past the sign-for deadline of the cases taken on Monday
    h = await f.act(client, eco_staff, h, "reply", REPLY)
    h = await f.act(client, agent, h, "callback", {"reached": True, "solved": False, "satisfaction": "dissatisfied",
                                                   "unit_at_fault": True})
    assert h["status"] == "dispatched" and h["redo_count"] == 1
    a = await f.act_latest(client, eco_staff, a["id"], "reply", REPLY)
    await f.act(client, agent, a, "callback", {"reached": True, "solved": True, "satisfaction": "satisfied"})

    clock.set(T2)  # Wednesday 25 November, 10:00
    h = await f.act(client, eco_staff, h, "sign")
    h = await f.act(client, eco_staff, h, "reply", REPLY)
    await f.act(client, agent, h, "callback", {"reached": True, "solved": True, "satisfaction": "satisfied"})
    await f.act(client, eco_staff, i, "reply", REPLY)
    await f.act(client, urban_staff, c, "reply", REPLY)

    clock.set(T3)  # Friday 27 November
    fc = await new("菜市场旁边的冷库机组整夜轰鸣")
    fc = await f.act(client, eco_staff, fc, "sign")

    clock.set(T4)  # Monday 30 November
    g = await new("小区门口的商铺用高音喇叭招揽顾客")
    k = await new("楼上每天半夜拖动家具，声音很大")
    moved = await client.patch(f"/cases/{k['id']}", json={"region_code": "440304002016", "reason": "地址记错"},
                               headers={**dispatcher, "If-Match": f'"{k["version"]}"'})
    assert moved.status_code == 200, moved.text
    assert moved.json()["lead_unit"]["id"] == eco

    clock.set(T5)  # Wednesday 2 December, 10:00
    b = await f.act(client, eco_staff, b, "sign")
    b = await f.act(client, eco_staff, b, "reply", REPLY)
    await f.act(client, agent, b, "callback", {"reached": True, "solved": False, "satisfaction": "dissatisfied"})
    await f.act(client, eco_staff, fc, "reply", REPLY)
    return {"agent": agent, "eco": eco, "urban": urban, "eco_staff": eco_staff, "g": g}


async def _get(client, headers, url, **params) -> dict:
    response = await client.get(url, params=params, headers=headers)
    assert response.status_code == 200, response.text
    return response.json()


async def test_a_units_rates_by_hand(client, app, clock):
    ds = await data_set(client, app, clock)
    eco, staff = ds["eco"], ds["eco_staff"]
    nov = await _get(client, staff, f"/metrics/units/{eco}", month="2026-11")
    assert nov["period"]["complete"] is True and nov["period"]["deadlines_through"] == "2026-11-30"
    rates = nov["rates"]
    # Dispatches to eco in November: A, B, C, H (twice: the redo is a new dispatch), I, J, F, G, K; not E (merged).
    assert rates["return"] == r(0.1, 1, 10)  # C
    # Sign-for deadlines in November: A, B, C, H, H again, I (24-25 Nov), F (28 Nov); J was withdrawn before its
    # deadline unsigned (nobody was late); G's and K's fall on 1 December. Only B was late.
    assert rates["response"] == r(0.8571, 6, 7)
    assert rates["on_time_signing"] == r(0.8571, 6, 7)
    # Handling deadlines in November that are eco's: A and B (30 Nov). C is urban's now; H's second round is due
    # 1 Dec, I's extended one 3 Dec, F's 4 Dec, G's and K's 7 Dec; J was withdrawn.
    assert rates["on_time_handling"] == r(0.5, 1, 2)
    assert rates["extension"] == r(0.0, 0, 2)
    # Replies in November (each case's current reply): A, H (second round), I. A's was decided against the check.
    assert rates["override"] == r(0.3333, 1, 3)
    # Valid callbacks in November: H's first (dissatisfied, unit at fault: redo), A's and H's second (satisfied).
    assert rates["resolution"] == r(0.6667, 2, 3)
    assert rates["satisfaction"] == r(0.6667, 2, 3)
    assert rates["redo"] == r(0.3333, 1, 3)
    assert "direct_answer" not in rates
    assert nov["counts"] == {"taken": 8, "merged_duplicates": 1, "direct_answered": 0, "dispatched": 10,
                             "returned": 1, "replied": 3}
    assert nov["callbacks"] == {"valid": 3, "solved": 2, "satisfied": 2, "basically_satisfied": 0,
                                "dissatisfied": 1, "redo": 1}

    # December so far (2 Dec): deadlines through 1 Dec. F is replied but not yet due (4 Dec): in neither part.
    dec = await _get(client, staff, f"/metrics/units/{eco}", month="2026-12")
    assert dec["period"]["complete"] is False and dec["period"]["deadlines_through"] == "2026-12-01"
    rates = dec["rates"]
    assert rates["on_time_handling"] == r(1.0, 1, 1)  # H's second round, due 1 Dec, replied 25 Nov
    assert rates["response"] == r(0.0, 0, 2)  # G and K, due 1 Dec 10:00, never signed
    assert rates["return"] == r(None, 0, 0)  # nothing dispatched in December
    assert rates["override"] == r(0.0, 0, 2)  # B and F replied on 2 Dec: replies count at once
    assert rates["satisfaction"] == r(0.0, 0, 1) and rates["resolution"] == r(0.0, 0, 1)  # B

    # The complaints: `?from=2026-12-01` alone is a period (up to today), and no period at all is the
    # current month so far; neither counts F, G or K, which are not yet due, as misses.
    for params in ({"from": "2026-12-01"}, {}):
        same = await _get(client, staff, f"/metrics/units/{eco}", **params)
        assert same["period"]["first_day"] == "2026-12-01", params
        assert same["rates"] == rates and same["counts"] == dec["counts"], params

    # A week later every December deadline so far has passed: H, I (extended), F in time; G and K late.
    clock.set(T6)
    dec = await _get(client, staff, f"/metrics/units/{eco}", month="2026-12")
    assert dec["rates"]["on_time_handling"] == r(0.6, 3, 5)
    assert dec["rates"]["extension"] == r(0.2, 1, 5)

    # The other unit of the moved case: C counts for urban management from the dispatch it received.
    urban = await _get(client, ds["agent"], f"/metrics/units/{ds['urban']}", month="2026-11")
    assert urban["rates"]["response"] == r(1.0, 1, 1)
    assert urban["rates"]["on_time_handling"] == r(1.0, 1, 1)
    assert urban["rates"]["return"] == r(0.0, 0, 1)
    assert urban["counts"]["taken"] == 1


async def test_a_regions_rates_streets_and_rankings_by_hand(client, app, clock):
    ds = await data_set(client, app, clock)
    agent = ds["agent"]
    body = await _get(client, agent, "/metrics/overview", region=FUTIAN, month="2026-11")
    assert body["region"]["name"] == "福田区"
    rates = body["rates"]
    # Taken in November: A, B, C, D, H, I, J, F, G, K (E is a merged duplicate).
    assert body["counts"]["taken"] == 10 and body["counts"]["merged_duplicates"] == 1
    assert rates["direct_answer"] == r(0.1, 1, 10)  # D
    assert rates["return"] == r(0.0909, 1, 11)  # eco's 10 dispatches and urban's 1
    assert rates["response"] == r(0.875, 7, 8)  # eco's 7 and urban's C
    assert rates["on_time_handling"] == r(0.6667, 2, 3)  # A (eco), B (eco, late), C (urban)
    assert rates["override"] == r(0.25, 1, 4)  # A, H, I, C replied; D is a direct answer, not a unit's reply
    assert rates["satisfaction"] == r(0.75, 3, 4)  # A, H (2nd), D of H (1st), A, H (2nd), D
    assert rates["resolution"] == r(0.75, 3, 4)
    assert rates["redo"] == r(0.25, 1, 4)

    # The same month, said three ways.
    for params in ({"from": "2026-11-01", "to": "2026-11-30"},
                   {"from": "2026-11-01T00:00:00+08:00", "to": "2026-12-01T00:00:00+08:00"},
                   {"from": "2026-10-31T16:00:00Z", "to": "2026-11-30T16:00:00Z"}):
        same = await _get(client, agent, "/metrics/overview", region=FUTIAN, **params)
        assert same["rates"] == body["rates"] and same["counts"] == body["counts"], params

    # Streets: K's figures followed its place to 园岭.
    nanyuan = await _get(client, agent, "/metrics/overview", region=NANYUAN, month="2026-11")
    yuanling = await _get(client, agent, "/metrics/overview", region=YUANLING, month="2026-11")
    assert (nanyuan["counts"]["taken"], yuanling["counts"]["taken"]) == (9, 1)
    assert yuanling["counts"]["dispatched"] == 1

    units = await _get(client, agent, "/metrics/rankings", rate="response", month="2026-11", region=FUTIAN)
    assert [(row["unit"]["id"], row["rate"]) for row in units["items"]] == [
        (ds["urban"], r(1.0, 1, 1)), (ds["eco"], r(0.8571, 6, 7))]
    assert units["items"][1]["rates"]["on_time_handling"] == r(0.5, 1, 2)  # every rate beside the ranked one
    returns = await _get(client, agent, "/metrics/rankings", rate="return", month="2026-11")
    assert returns["higher_is_better"] is False
    assert [row["unit"]["id"] for row in returns["items"]] == [ds["urban"], ds["eco"]]
    streets = await _get(client, agent, "/metrics/rankings", of="streets", rate="direct_answer", month="2026-11",
                         region=FUTIAN)
    assert [(row["street"]["code"], row["rate"]) for row in streets["items"]] == [
        (NANYUAN, r(0.1111, 1, 9)), (YUANLING, r(0.0, 0, 1))]


async def test_series_for_a_district_and_a_unit(client, app, clock):
    ds = await data_set(client, app, clock)
    clock.set(T6)
    trend = await _get(client, ds["agent"], "/metrics/overview/trend", region=FUTIAN)
    months = trend["months"]
    assert [m["period"]["label"] for m in months] == [f"2026-{m:02d}" for m in range(1, 13)]
    assert months[10]["counts"]["taken"] == 10 and months[10]["rates"]["response"] == r(0.875, 7, 8)
    assert all(m["counts"]["taken"] == 0 and m["rates"]["response"]["value"] is None for m in months[:10])
    assert months[11]["period"]["complete"] is False
    weeks = trend["weeks"]
    assert weeks[0]["period"]["first_day"] == "2025-12-29" and weeks[-1]["period"]["label"] == "2026-W50"
    by_label = {w["period"]["label"]: w for w in weeks}
    assert by_label["2026-W48"]["counts"]["taken"] == 8  # 23–29 Nov: A, B, C, D, H, I, J, F
    assert by_label["2026-W49"]["counts"]["taken"] == 2  # 30 Nov: G, K
    assert sum(w["counts"]["taken"] for w in weeks) == 10
    unit = await _get(client, ds["eco_staff"], f"/metrics/units/{ds['eco']}/trend", month="2026-12")
    assert unit["months"][10]["rates"]["response"] == r(0.8571, 6, 7)
    assert unit["months"][11]["rates"]["on_time_handling"] == r(0.6, 3, 5)


async def test_the_form_units_hand_in(client, app, clock):
    import csv
    import io

    from openpyxl import load_workbook

    ds = await data_set(client, app, clock)
    agent = ds["agent"]
    response = await client.get("/metrics/export", params={"format": "csv", "month": "2026-11", "region": FUTIAN},
                                headers=agent)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.text.lstrip("\ufeff"))))
    assert len(rows) > 10  # every active unit of the district, zeros included
    eco = next(row for row in rows if row["unit_code"] == f"{FUTIAN}-ecology_environment_bureau")
    assert (eco["response_numerator"], eco["response_denominator"], eco["response"]) == ("6", "7", "0.8571")
    assert (eco["override_numerator"], eco["override_denominator"]) == ("1", "3")
    idle = next(row for row in rows if row["unit_code"] == f"{FUTIAN}-court")
    assert (idle["response_denominator"], idle["response"]) == ("0", "")

    response = await client.get("/metrics/export", params={"month": "2026-11", "region": FUTIAN}, headers=agent)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(response.content))
    assert book.sheetnames == ["figures", "definitions"]
    figures = list(book["figures"].iter_rows(values_only=True))
    keys = figures[2]
    eco_row = dict(zip(keys, next(row for row in figures if row[0] == f"{FUTIAN}-ecology_environment_bureau"),
                       strict=True))
    assert (eco_row["return_numerator"], eco_row["return_denominator"], eco_row["return"]) == (1, 10, 0.1)
    total = dict(zip(keys, figures[-1], strict=True))
    assert (total["response_numerator"], total["response_denominator"]) == (7, 8)
    definitions = {row[0]: row for row in book["definitions"].iter_rows(min_row=2, values_only=True) if row[0]}
    assert set(definitions) == {"response", "resolution", "satisfaction", "on_time_signing", "on_time_handling",
                                "return", "redo", "direct_answer", "extension", "override"}
    assert definitions["on_time_handling"][1] == "按时办结率"
    resident = await f.login_as(app, "resident")
    assert (await client.get("/metrics/export", headers=resident)).status_code == 403


async def test_the_rollups_equal_a_recount_of_the_data_set(client, app, clock):
    from app.metrics import rollups
    from app.models import MetricCaseFacts

    await data_set(client, app, clock)
    async with app.state.sessionmaker() as session:
        counted, diffs = await session.run_sync(lambda s: rollups.compare(s, _zone(app)))
        stored = len((await session.execute(select(MetricCaseFacts.case_id))).all())
    assert counted.cases == stored == 11
    assert diffs == []


def _zone(app):
    from zoneinfo import ZoneInfo

    return ZoneInfo(app.state.settings.timezone)
