"""The rollups always equal a recount from the raw rows: after a randomised series of changes through the API,
bursts of concurrent requests included, every cell of both rollup tables is compared with a recount, and the
figures the API answers with the recount's sums. On both databases."""

import asyncio
import random
from datetime import timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import update

from app.core.region_codes import prefix_for
from app.metrics import commands, rollups
from app.metrics.facts import COUNTERS
from app.metrics.rates import CENTRE_RATES, add_day, empty, rates_of
from app.models import MetricUnitDay
from tests import factories as f

FUTIAN, NANSHAN = "440304000000", "440305000000"
PLACES = ["440304001020", "440304002016", "440304001020", "440305007003"]  # 南园 twice as busy; one in 南山
TEXTS = ["楼下工地晚上十一点还在施工，噪音很大", "隔壁工厂夜里机器轰鸣，吵得没法睡", "工地凌晨打桩，噪声太大",
         "小区旁边的酒吧每晚音乐声很大", "广场舞音响声音太大，每天晚上九点后还在放", "装修电钻声从早响到晚"]
OUTCOMES = [
    {"reached": True, "solved": True, "satisfaction": "satisfied"},
    {"reached": True, "solved": True, "satisfaction": "basically_satisfied"},
    {"reached": True, "solved": False, "satisfaction": "dissatisfied", "unit_at_fault": True},
    {"reached": True, "solved": False, "satisfaction": "dissatisfied"},
    {"reached": False},
]
SKIPPED = {"link", "unlink", "mark_major", "contribute", "add_co_handler", "rate"}
# How often each action is drawn: the loop must move forward (sign, reply, call back) more than it ends cases.
WEIGHTS = {"sign": 6, "start": 2, "reply": 6, "callback": 6, "request_extension": 3, "approve_extension": 4,
           "deny_extension": 1, "return": 2, "accept_return": 3, "reject_return": 2, "redispatch": 1, "merge": 1,
           "withdraw": 1, "close": 1, "direct_answer": 3, "dispatch": 3}


def _zone(app) -> ZoneInfo:
    return ZoneInfo(app.state.settings.timezone)


class World:
    def __init__(self, client, app, rnd: random.Random) -> None:
        self.client, self.app, self.rnd = client, app, rnd
        self.case_ids: list[int] = []
        self.statuses: dict[int, int] = {}

    async def setup(self) -> None:
        app = self.app
        self.agent = await f.login_as(app, "agent")
        self.dispatcher = await f.login_as(app, "dispatcher")
        self.admin = await f.login_as(app, "admin")
        self.units = [await f.unit_by_kind(app, district, kind) for district in (FUTIAN, NANSHAN)
                      for kind in ("ecology_environment_bureau", "urban_management_bureau", "housing_bureau")]
        self.staff = {u: await f.login_as(app, "unit_staff", unit=u) for u in self.units}

    async def intake(self) -> None:
        body = {"description": self.rnd.choice(TEXTS), "region_code": self.rnd.choice(PLACES)}
        if self.rnd.random() < 0.15:
            body.update(hold=True, work_order_type="consultation", description="夜间施工几点以后算扰民？")
        response = await self.client.post("/cases", json={**f.NOISE_CASE, **body}, headers=self.agent)
        assert response.status_code == 201, response.text
        self.case_ids.append(response.json()["id"])

    async def read(self, case_id: int) -> dict:
        return (await self.client.get(f"/cases/{case_id}", headers=self.admin)).json()

    def _other_unit(self, case: dict) -> int:
        lead = (case.get("lead_unit") or {}).get("id")
        return self.rnd.choice([u for u in self.units if u != lead])

    def _body(self, action: str, case: dict) -> dict:
        rnd = self.rnd
        if action == "return":
            return {"reason": "不属本单位职责", "legal_basis": "职责清单", "suggested_unit_id": self._other_unit(case)}
        if action in ("reject_return", "deny_extension", "withdraw"):
            return {"reason": "经核实处理"}
        if action == "request_extension":
            return {"days": rnd.randint(1, 3), "reason": "需协调多部门", "basis": "延期办理规定"}
        if action == "reply":
            return {"text": "已到现场处理", "signer": "王科长"}
        if action == "callback":
            return dict(rnd.choice(OUTCOMES))
        if action == "redispatch":
            return {"unit_id": self._other_unit(case), "reason": "改派"}
        if action == "merge":
            return {"master_case_id": rnd.choice(self.case_ids)}
        if action == "direct_answer":
            return {"article_code": "kb-noise-construction-01", "answer": "晚上十点至次日六点施工须持夜间施工证明"}
        return {}

    async def plan(self) -> tuple | None:
        """A random action someone may take now on a random case: (case, who, action, body)."""
        seen = await self.client.get(f"/cases/{self.rnd.choice(self.case_ids)}", headers=self.agent)
        case = seen.json()
        options = [(self.agent, a) for a in case["allowed_actions"]]
        lead = (case.get("lead_unit") or {}).get("id")
        for who in [self.dispatcher] + ([self.staff[lead]] if lead in self.staff else []):
            seen = await self.client.get(f"/cases/{case['id']}", headers=who)
            if seen.status_code == 200:
                options += [(who, a) for a in seen.json()["allowed_actions"]]
        options = [(who, a) for who, a in options if a not in SKIPPED]
        if self.rnd.random() < 0.08 and case["status"] in ("dispatched", "signed", "in_progress"):
            return case, self.dispatcher, "reroute", {"region_code": self.rnd.choice(PLACES), "reason": "地址更正"}
        if not options:
            return None
        who, action = self.rnd.choices(options, [WEIGHTS.get(a, 1) for _, a in options])[0]
        return case, who, action, self._body(action, case)

    async def do(self, planned: tuple) -> int:
        case, who, action, body = planned
        headers = {**who, "If-Match": f'"{case["version"]}"'}
        if action == "reroute":
            response = await self.client.patch(f"/cases/{case['id']}", json=body, headers=headers)
        else:
            response = await self.client.post(f"/cases/{case['id']}/actions/{action}", json=body, headers=headers)
        assert response.status_code < 500, (action, response.text)
        self.statuses[response.status_code] = self.statuses.get(response.status_code, 0) + 1
        return response.status_code


async def _run(client, app, clock, *, seed: int, steps: int) -> World:
    world = World(client, app, random.Random(seed))
    await world.setup()
    for _ in range(8):
        await world.intake()
    for step in range(steps):
        clock.set(clock.now() + timedelta(hours=world.rnd.choice([0, 1, 3, 9, 20, 30])))
        if step % 7 == 3:  # a burst: intakes and actions at once, some on the same case (stale versions lose)
            planned = [p for p in [await world.plan() for _ in range(4)] if p is not None]
            await asyncio.gather(world.intake(), world.intake(), *(world.do(p) for p in planned))
        elif world.rnd.random() < 0.25:
            await world.intake()
        else:
            planned = await world.plan()
            if planned is not None:
                await world.do(planned)
    return world


async def _compare(app) -> tuple[rollups.Recount, list[rollups.Difference]]:
    async with app.state.sessionmaker() as session:
        return await session.run_sync(lambda s: rollups.compare(s, _zone(app)))


async def test_randomised_changes_with_concurrent_requests_keep_the_rollups_equal_to_a_recount(client, app, clock):
    world = await _run(client, app, clock, seed=24, steps=60)
    assert world.statuses.get(200, 0) >= 30, world.statuses  # the series did change things
    counted, diffs = await _compare(app)
    assert counted.cases == len(world.case_ids)
    assert [str(d) for d in diffs] == []
    # The series exercised the figures (concurrency makes the rarer ones vary from run to run on PostgreSQL).
    touched = {name for counts in counted.streets.values() for name, n in counts.items() if n}
    assert touched >= {"taken", "merged", "dispatched", "returned", "sign_due", "responded", "signed_on_time",
                       "handle_due", "replied", "cb_valid"}, set(COUNTERS) - touched

    # The API's figures are the recount's sums, for the district and the city, over the whole series.
    today = clock.now().astimezone(_zone(app)).date()
    first = min(day for _, day in counted.streets)
    for region in (FUTIAN, "440300000000"):
        prefix = prefix_for(region, "district" if region == FUTIAN else "city")
        expected = empty()
        for (street, day), counts in counted.streets.items():
            if street.startswith(prefix) and day <= today:
                add_day(expected, day, counts, today)
        body = (await client.get("/metrics/overview", params={"region": region, "from": first.isoformat(),
                                                              "to": today.isoformat()}, headers=world.admin)).json()
        assert body["rates"] == {k: v.model_dump() for k, v in rates_of(expected, CENTRE_RATES).items()}
        assert body["counts"]["taken"] == expected["taken"]


async def test_concurrent_intake_into_one_street_and_unit_counts_every_case(client, app):
    agent = await f.login_as(app, "agent")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    results = await asyncio.gather(*(f.case(client, agent, description=TEXTS[i % len(TEXTS)]) for i in range(12)))
    assert len({c["id"] for c in results}) == 12
    body = (await client.get(f"/metrics/units/{eco}", headers=agent)).json()
    assert (body["counts"]["taken"], body["counts"]["dispatched"]) == (12, 12)
    counted, diffs = await _compare(app)
    assert diffs == [] and counted.cases == 12


async def test_a_damaged_rollup_is_found_and_rebuilt(client, app, clock):
    world = await _run(client, app, clock, seed=7, steps=25)
    async with app.state.sessionmaker() as session:
        await session.execute(update(MetricUnitDay).values(taken=MetricUnitDay.taken + 1)
                              .where(MetricUnitDay.unit_id == world.units[0]))
        await session.commit()
    settings = app.state.settings
    found = await commands.run(settings, rebuild=False, now=clock.now())
    assert found.differences and {d.counter for d in found.differences} == {"taken"}
    assert "cells differ" in found.report(rebuilt=False)
    rebuilt = await commands.run(settings, rebuild=True, now=clock.now())
    assert rebuilt.cases == len(world.case_ids)
    _, diffs = await _compare(app)
    assert diffs == []
    # Changes after the rebuild keep applying on top of it.
    await _run(client, app, clock, seed=8, steps=10)
    _, diffs = await _compare(app)
    assert diffs == []


async def test_an_intake_settles_its_figures_without_reading_them_back(client, app):
    """A case opened in the request is settled from the session's own objects: its figures cost one INSERT of its
    contribution and the rollup upserts, no read."""
    from sqlalchemy import event as sa_event

    from app.core.direct import Direct

    agent = await f.login_as(app, "agent")
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(" ".join(statement.split()).lower())

    engine = app.state.engine.sync_engine
    sa_event.listen(engine, "before_cursor_execute", record)
    Direct.observers.append(record)  # the statements handed to the driver itself
    try:
        await f.case(client, agent)
    finally:
        sa_event.remove(engine, "before_cursor_execute", record)
        Direct.observers.remove(record)
    touching = [s for s in statements if "metric_" in s]
    assert [s.split()[0:3] for s in touching] == [["insert", "into", "metric_case_facts"],
                                                  ["insert", "into", "metric_unit_days"],
                                                  ["insert", "into", "metric_region_days"]], touching
    counted, diffs = await _compare(app)
    assert diffs == [] and counted.cases == 1
