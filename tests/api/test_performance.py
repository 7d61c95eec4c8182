"""Rates computed by hand on a small fixed data set, and compared with the API's."""

from datetime import UTC, datetime

from tests import factories as f

FUTIAN = "440304000000"
PERIOD = {"from": "2026-11-01T00:00:00+08:00", "to": "2026-12-31T00:00:00+08:00"}
REPLY = {"text": "已处理完毕", "signer": "王科长"}


def r(value, numerator, denominator):
    return {"value": value, "numerator": numerator, "denominator": denominator}


async def _data_set(client, app, clock):
    """Five cases for the ecology bureau, one direct answer, one merged duplicate.

    A: signed on time, replied on time, callback satisfied and solved
    B: signed late, replied after its deadline, callback dissatisfied (not the unit's fault), not solved
    C: signed on time, then returned to the centre, which gives it to urban management
    D: answered directly by the agent; callback basically satisfied, solved
    E: a duplicate of A, merged: counted nowhere
    """
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    urban = await f.unit_by_kind(app, FUTIAN, "urban_management_bureau")
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    a = await f.case(client, agent)
    b = await f.case(client, agent, description="隔壁工厂夜里机器轰鸣，吵得没法睡")
    c = await f.case(client, agent, description="工地凌晨打桩，噪声太大")
    d = await f.case(client, agent, hold=True, work_order_type="consultation", description="夜间施工几点以后算扰民？")
    e = await f.case(client, agent, description="南园社区工地晚上施工太吵了")
    a = await f.act(client, eco_staff, a, "sign")
    c = await f.act(client, eco_staff, c, "sign")
    c = await f.act(client, eco_staff, c, "return", {"reason": "属城管职责", "legal_basis": "城管执法事项目录",
                                                      "suggested_unit_id": urban})
    await f.act(client, dispatcher, c, "accept_return", {})
    e = await f.act(client, agent, e, "merge", {"master_case_id": a["id"]})
    a = (await client.get(f"/cases/{a['id']}", headers=agent)).json()
    a = await f.act(client, eco_staff, a, "reply", REPLY)
    await f.act(client, agent, a, "callback", {"reached": True, "solved": True, "satisfaction": "satisfied"})
    d = await f.act(client, agent, d, "direct_answer", {"article_code": "kb-noise-construction-01",
                                                        "answer": "晚上十点至次日六点施工须持夜间施工证明"})
    await f.act(client, agent, d, "callback", {"reached": True, "solved": True,
                                               "satisfaction": "basically_satisfied"})
    clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))  # past B's sign-for limit and its 30 Nov deadline
    b = await f.act(client, eco_staff, b, "sign")
    b = await f.act(client, eco_staff, b, "reply", REPLY)
    await f.act(client, agent, b, "callback", {"reached": True, "solved": False, "satisfaction": "dissatisfied"})
    return agent, eco, urban, eco_staff


async def test_unit_rates_by_hand(client, app, clock):
    agent, eco, urban, eco_staff = await _data_set(client, app, clock)
    body = (await client.get(f"/metrics/units/{eco}", params=PERIOD, headers=eco_staff)).json()
    rates = body["rates"]
    assert rates["response"] == r(0.6667, 2, 3)  # A and C signed in time, B late; E merged away
    assert rates["on_time_signing"] == r(0.6667, 2, 3)
    assert rates["return"] == r(0.3333, 1, 3)  # C
    assert rates["resolution"] == r(0.5, 1, 2)  # A solved, B not
    assert rates["satisfaction"] == r(0.5, 1, 2)  # A satisfied, B dissatisfied
    assert rates["on_time_handling"] == r(0.5, 1, 2)  # A in time, B late; C's deadline is urban management's now
    assert rates["redo"] == r(0.0, 0, 2)
    assert rates["extension"] == r(0.0, 0, 2)
    assert rates["override"] == r(0.0, 0, 2)  # A's and B's replies; no override recorded
    assert "direct_answer" not in rates
    assert body["counts"] == {"taken": 2, "merged_duplicates": 1, "direct_answered": 0, "dispatched": 3,
                              "returned": 1, "replied": 2}
    assert body["callbacks"] == {"valid": 2, "solved": 1, "satisfied": 1, "basically_satisfied": 0,
                                 "dissatisfied": 1, "redo": 0}
    # Another unit's staff may not read it; the centre may.
    urban_staff = await f.login_as(app, "unit_staff", unit=urban)
    assert (await client.get(f"/metrics/units/{eco}", params=PERIOD, headers=urban_staff)).status_code == 403
    assert (await client.get(f"/metrics/units/{eco}", params=PERIOD, headers=agent)).status_code == 200


async def test_centre_rates_and_rankings_by_hand(client, app, clock):
    agent, eco, urban, _ = await _data_set(client, app, clock)
    body = (await client.get("/metrics/overview", params={**PERIOD, "region": FUTIAN}, headers=agent)).json()
    assert body["region"]["name"] == "福田区"
    rates = body["rates"]
    assert rates["direct_answer"] == r(0.25, 1, 4)  # D of A, B, C, D
    assert rates["satisfaction"] == r(0.6667, 2, 3)  # A and D of A, B, D
    assert rates["resolution"] == r(0.6667, 2, 3)
    assert rates["response"] == r(0.5, 2, 4)  # A and C signed in time; B late; urban has not signed C
    assert body["counts"]["taken"] == 4 and body["counts"]["merged_duplicates"] == 1
    ranking = (await client.get("/metrics/rankings", params={**PERIOD, "rate": "response"}, headers=agent)).json()
    assert [(row["unit"]["id"], row["rate"]["value"]) for row in ranking["items"]] == [(eco, 0.6667), (urban, 0.0)]
    returns = (await client.get("/metrics/rankings", params={**PERIOD, "rate": "return"}, headers=agent)).json()
    assert returns["higher_is_better"] is False
    assert [row["unit"]["id"] for row in returns["items"]] == [urban, eco]


async def test_empty_period_answers_zero_counts_and_null_rates(client, app):
    agent = await f.login_as(app, "agent")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    params = {"from": "2020-01-01", "to": "2020-01-31"}
    body = (await client.get(f"/metrics/units/{eco}", params=params, headers=agent)).json()
    assert body["counts"]["taken"] == 0 and body["counts"]["dispatched"] == 0
    assert all(v == r(None, 0, 0) for v in body["rates"].values())
    overview = (await client.get("/metrics/overview", params=params, headers=agent)).json()
    assert overview["rates"]["direct_answer"] == r(None, 0, 0)


async def test_bad_metric_queries(client, app):
    agent = await f.login_as(app, "agent")
    resident = await f.login_as(app, "resident")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    cases = [
        ("/metrics/units/999999", {}, agent, 404, "unit_not_found"),
        (f"/metrics/units/{eco}", {}, resident, 403, "forbidden"),
        ("/metrics/overview", {"region": "999999999999"}, agent, 422, "region_not_found"),
        ("/metrics/overview", {"region": "12"}, agent, 422, "region_code_invalid"),
        ("/metrics/overview", {"from": "2026-12-01", "to": "2026-11-01"}, agent, 422, "period_invalid"),
        ("/metrics/overview", {"from": "2026-12-01T00:00:00+08:00", "to": "2026-11-01T00:00:00+08:00"}, agent, 422,
         "period_invalid"),
        ("/metrics/overview", {"from": "2024-01-01", "to": "2026-01-01"}, agent, 422, "period_too_long"),
        ("/metrics/overview", {"from": "2026-11-01T00:00:00"}, agent, 422, "period_offset_missing"),
        ("/metrics/overview", {"from": "2026-11-01T00:00:00Z"}, agent, 422, "period_not_midnight"),
        ("/metrics/overview", {"from": "yesterday"}, agent, 422, "period_date_invalid"),
        ("/metrics/overview", {"month": "2026-13"}, agent, 422, "period_month_invalid"),
        ("/metrics/overview", {"month": "2026-11", "from": "2026-11-01"}, agent, 422, "period_month_with_range"),
        ("/metrics/overview", {"mnth": "2026-11"}, agent, 422, "query_parameter_unknown"),
        ("/metrics/rankings", {"rate": "happiness"}, agent, 422, "validation_failed"),
        ("/metrics/rankings", {"rate": "direct_answer", "of": "units"}, agent, 422, "query_invalid"),
        ("/metrics/rankings", {}, agent, 422, "validation_failed"),
        ("/metrics/overview/trend", {"month": "2026-13"}, agent, 422, "period_month_invalid"),
        ("/metrics/overview/trend", {"from": "2026-11-01"}, agent, 422, "query_parameter_unknown"),
        ("/metrics/export", {"format": "pdf"}, agent, 422, "validation_failed"),
        (f"/metrics/units/{eco}/trend", {}, resident, 403, "forbidden"),
    ]
    for url, params, headers, status, code in cases:
        response = await client.get(url, params=params, headers=headers)
        assert (response.status_code, response.json()["code"]) == (status, code), (url, params, response.text)


async def test_csv_export_streams_masked_rows_and_is_audited(client, app):
    from sqlalchemy import select

    from app.models import AuditLog

    agent = await f.login_as(app, "agent")
    for _ in range(3):
        await f.case(client, agent)
    response = await client.get("/cases/export", params={"status": "dispatched"}, headers=agent)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    lines = response.text.lstrip("\ufeff").splitlines()
    assert lines[0].startswith("number,kind,channel,status") and len(lines) == 4
    assert "13800138000" not in response.text and "138****8000" in response.text
    async with app.state.sessionmaker() as session:
        audit = (await session.execute(select(AuditLog).where(AuditLog.action == "case.export"))).scalar_one()
    assert audit.detail == {"status": ["dispatched"]}
    resident = await f.login_as(app, "resident")
    assert (await client.get("/cases/export", headers=resident)).status_code == 403
    assert (await client.get("/cases/export", params={"status": "lost"}, headers=agent)).status_code == 422


async def test_counts_agree_with_the_rows(client, app, clock):
    """The rolled-up counts equal the same counts taken case by case from the stored rows."""
    from sqlalchemy import select

    from app.models import Case

    agent, eco, _, _ = await _data_set(client, app, clock)
    await f.case(client, agent, description="小区门口路灯坏了一个月没人修")
    await f.case(client, agent, description="菜市场占道经营影响通行")
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(Case).where(Case.district_code == FUTIAN[:6]))).scalars().all()
    counted = [c for c in rows if c.close_reason != "merged"]
    body = (await client.get("/metrics/overview", params={**PERIOD, "region": FUTIAN}, headers=agent)).json()
    assert body["counts"]["taken"] == len(counted) == 6
    assert body["counts"]["merged_duplicates"] == len(rows) - len(counted) == 1
    assert body["counts"]["direct_answered"] == sum(c.direct_answer for c in counted) == 1
    unit = (await client.get(f"/metrics/units/{eco}", params=PERIOD, headers=agent)).json()
    assert unit["counts"]["taken"] == sum(c.lead_unit_id == eco for c in counted)


async def test_figures_follow_a_case_to_its_new_place(client, app, clock):
    """Assignments and callbacks keep a copy of the case's place; moving the case moves the copies."""
    from sqlalchemy import select

    from app.models import Assignment

    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    case = await f.case(client, agent)  # 440304001020, 南园街道
    subdistricts = {"南园": "440304001000", "园岭": "440304002000"}

    async def dispatched_in(code: str) -> int:
        body = (await client.get("/metrics/overview", params={**PERIOD, "region": code}, headers=agent)).json()
        return body["counts"]["dispatched"]

    assert [await dispatched_in(c) for c in subdistricts.values()] == [1, 0]
    r = await client.patch(f"/cases/{case['id']}", json={"region_code": "440304002016", "reason": "地址记错"},
                           headers={**dispatcher, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 200, r.text
    assert [await dispatched_in(c) for c in subdistricts.values()] == [0, 1]
    async with app.state.sessionmaker() as session:
        places = set((await session.execute(select(Assignment.region_code, Assignment.district_code)
                                            .where(Assignment.case_id == case["id"]))).all())
    assert places == {("440304002016", "440304")}


async def test_a_district_counts_its_own_cases_only(client, app):
    agent = await f.login_as(app, "agent")
    await f.case(client, agent)  # 福田区
    await f.case(client, agent, description="小区旁工地夜里打桩太吵")
    await f.case(client, agent, region_code="440305007003")  # 南山区

    async def figures(code: str) -> tuple[int, int]:
        body = (await client.get("/metrics/overview", params={**PERIOD, "region": code}, headers=agent)).json()
        return body["counts"]["taken"], body["counts"]["dispatched"]

    assert [await figures(c) for c in (FUTIAN, "440305000000", "440300000000")] == [(2, 2), (1, 1), (3, 3)]


async def test_refusals_name_the_parameter(client, app):
    agent = await f.login_as(app, "agent")
    cases = [
        ({"mnth": "2026-11", "regoin": FUTIAN}, "query_parameter_unknown", ["query.mnth", "query.regoin"]),
        ({"from": "2026-12-01", "to": "2026-11-01"}, "period_invalid", ["query.to"]),
        ({"from": "2026/11/01"}, "period_date_invalid", ["query.from"]),
        ({"month": "11-2026"}, "period_month_invalid", ["query.month"]),
        ({"to": "2026-12-01T08:00:00+08:00"}, "period_not_midnight", ["query.to"]),
    ]
    for params, code, fields in cases:
        response = await client.get("/metrics/overview", params=params, headers=agent)
        body = response.json()
        assert (response.status_code, body["code"]) == (422, code), body
        assert [e["field"] for e in body["errors"]] == fields, body
    english = await client.get("/metrics/overview", params={"to": "2026-12-01T08:00:00+08:00"},
                               headers={**agent, "Accept-Language": "en"})
    assert "per local day in Asia/Shanghai" in english.json()["detail"]
