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
    assert rates["return"] == r(0.3333, 1, 3)  # C
    assert rates["resolution"] == r(0.5, 1, 2)  # A solved, B not
    assert rates["satisfaction"] == r(0.5, 1, 2)  # A satisfied, B dissatisfied
    assert rates["on_time"] == r(0.5, 1, 2)  # A in time, B late; C's deadline is urban management's now
    assert "direct_answer" not in rates
    assert body["counts"]["total"] == 2 and body["counts"]["by_status"] == {"closed": 2}
    assert body["counts"]["merged_duplicates"] == 1
    assert body["oversight"]["replied_late"] == 1
    assert body["callbacks"] == {"valid": 2, "solved": 1, "satisfied": 1, "basically_satisfied": 0,
                                 "dissatisfied": 1}
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
    assert body["counts"]["by_work_order_type"] == {"complaint": 3, "consultation": 1}
    assert body["counts"]["by_category"] == {"env.noise": 4}
    ranking = (await client.get("/metrics/rankings", params={**PERIOD, "rate": "response"}, headers=agent)).json()
    assert [(row["unit"]["id"], row["rate"]["value"]) for row in ranking["items"]] == [(eco, 0.6667), (urban, 0.0)]
    returns = (await client.get("/metrics/rankings", params={**PERIOD, "rate": "return"}, headers=agent)).json()
    assert returns["higher_is_better"] is False
    assert [row["unit"]["id"] for row in returns["items"]] == [urban, eco]


async def test_empty_period_answers_zero_counts_and_null_rates(client, app):
    agent = await f.login_as(app, "agent")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    params = {"from": "2020-01-01T00:00:00Z", "to": "2020-02-01T00:00:00Z"}
    body = (await client.get(f"/metrics/units/{eco}", params=params, headers=agent)).json()
    assert body["counts"]["total"] == 0
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
        ("/metrics/overview", {"from": "2026-12-01T00:00:00Z", "to": "2026-11-01T00:00:00Z"}, agent, 422,
         "period_invalid"),
        ("/metrics/overview", {"from": "2024-01-01T00:00:00Z", "to": "2026-01-01T00:00:00Z"}, agent, 422,
         "period_too_long"),
        ("/metrics/overview", {"from": "2026-11-01T00:00:00"}, agent, 422, "query_invalid"),
        ("/metrics/overview", {"from": "yesterday"}, agent, 422, "validation_failed"),
        ("/metrics/rankings", {"rate": "happiness"}, agent, 422, "query_invalid"),
        ("/metrics/rankings", {}, agent, 422, "validation_failed"),
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


async def test_oversight_and_counts_agree_with_the_rows(client, app, clock):
    """The one-pass figures equal the same figures counted case by case from the stored rows."""
    from sqlalchemy import select

    from app.cases.repository import OPEN_STATUSES
    from app.models import Case, CaseEvent

    agent, eco, _, _ = await _data_set(client, app, clock)
    late = await f.case(client, agent, description="小区门口路灯坏了一个月没人修")  # open, soon overdue
    chased = await f.case(client, agent, description="菜市场占道经营影响通行")
    dispatcher = await f.login_as(app, "dispatcher")
    await f.act(client, dispatcher, chased, "mark_major", {"leader": "李副区长", "leader_title": "副区长",
                                                           "team": ["区城管局"], "plan": "联合执法",
                                                           "resolve_by": "2026-12-31"})
    clock.set(datetime(2026, 12, 30, 2, 0, tzinfo=UTC))
    now = clock.now()
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(Case).where(Case.district_code == FUTIAN[:6]))).scalars().all()
        majors = set((await session.execute(select(CaseEvent.case_id).where(CaseEvent.type == "mark_major")))
                     .scalars())
    counted = [c for c in rows if c.close_reason != "merged"]
    expected = {
        "overdue_open": sum(c.status in OPEN_STATUSES and c.handle_due is not None
                            and c.handle_due.replace(tzinfo=UTC) < now for c in counted),
        "replied_late": sum(c.replied_at is not None and c.handle_due is not None and c.replied_at > c.handle_due
                            for c in counted),
        "chased": sum(c.chased_at is not None for c in counted),
        "supervised": sum(c.supervised_at is not None for c in counted),
        "closed_unreached": sum(c.close_reason == "unreached" for c in counted),
        "redone": sum(c.redo_count > 0 for c in counted),
        "major": sum(c.id in majors for c in counted),
    }
    assert expected["overdue_open"] >= 2 and expected["major"] == 1  # the data set exercises the figures
    assert late["id"] in {c.id for c in counted if c.status in OPEN_STATUSES}
    body = (await client.get("/metrics/overview", params={**PERIOD, "region": FUTIAN}, headers=agent)).json()
    assert body["oversight"] == expected
    assert body["counts"]["total"] == len(counted)
    assert body["counts"]["merged_duplicates"] == len(rows) - len(counted)
    by_status: dict[str, int] = {}
    for c in counted:
        by_status[c.status] = by_status.get(c.status, 0) + 1
    assert body["counts"]["by_status"] == by_status
    unit = (await client.get(f"/metrics/units/{eco}", params=PERIOD, headers=agent)).json()
    assert unit["counts"]["total"] == sum(c.lead_unit_id == eco for c in counted)


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
        return body["rates"]["response"]["denominator"]

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
        return body["counts"]["total"], body["rates"]["response"]["denominator"]

    assert [await figures(c) for c in (FUTIAN, "440305000000", "440300000000")] == [(2, 2), (1, 1), (3, 3)]
