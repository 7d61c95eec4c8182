"""Case numbers under concurrent intake, from two application instances on one database (two processes' worth of
number blocks on PostgreSQL): unique, readable, and gap-free on SQLite."""

import asyncio
import contextlib
import re
from pathlib import Path

from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.main import create_app
from app.models import Case, CaseEvent, OutboxEvent
from tests import factories as f
from tests.conftest import _settings

NUMBER = re.compile(r"^(\d{6})-(\d{8})-(\d{6})$")
CALL = {"caller_phone": "13800138000", "caller_name": "张先生", "work_order_type": "投诉", "category": "env.noise",
        "description": "园岭街道红荔社区旁边的工地每天晚上十一点多还在打桩，吵得老人孩子都睡不着觉",
        "region_code": "440304001020"}


async def test_numbers_stay_unique_when_two_instances_take_them_at_once(app, client, clock, db_url, tmp_path: Path):
    sqlite = db_url.startswith("sqlite")
    # SQLite serves from one process (one writer); PostgreSQL gets a second instance with its own number blocks.
    other = app if sqlite else create_app(_settings(db_url, tmp_path / "other"), clock=clock, run_worker=False)
    n = 8 if sqlite else 16  # SQLite queues them on its one connection: a few make the point
    agent = await f.login_as(app, "agent")
    # The first intake trains the classifier (seconds); the burst is about numbers, not that one-off.
    warm = await client.post("/hotline/orders", json={**CALL, "region_code": "440305007003"}, headers=agent)
    assert warm.status_code == 201, warm.text
    async with contextlib.AsyncExitStack() as stack:
        if not sqlite:
            await stack.enter_async_context(other.router.lifespan_context(other))
        second = await stack.enter_async_context(AsyncClient(transport=ASGITransport(app=other),
                                                             base_url="http://other"))
        calls = [(client if i % 2 else second).post("/hotline/orders", json={**CALL, "caller_phone": f"1380013{i:04d}"},
                                                    headers={**agent, "Idempotency-Key": f"n-{i}"})
                 for i in range(n)]
        answers = await asyncio.gather(*calls)
    assert [r.status_code for r in answers] == [201] * n, [r.text for r in answers if r.status_code != 201]
    numbers = [r.json()["number"] for r in answers]
    assert len(set(numbers)) == n
    parts = [NUMBER.match(n) for n in numbers]
    assert all(p is not None and p.group(1) == "440304" and p.group(2) == "20261123" for p in parts), numbers
    seqs = sorted(int(p.group(3)) for p in parts if p)
    if sqlite:
        assert seqs == list(range(1, n + 1))  # drawn in the request's transaction: no gaps
    async with app.state.sessionmaker() as s:
        stored = (await s.execute(select(Case.number).where(Case.district_code == "440304"))).scalars().all()
        assert sorted(stored) == sorted(numbers)
        ids = [r.json()["id"] for r in answers]
        events = (await s.execute(select(CaseEvent.case_id, CaseEvent.type).where(CaseEvent.case_id.in_(ids)))).all()
        assert sorted(events) == sorted([(i, "create") for i in ids] + [(i, "dispatch") for i in ids])
        outbox = (await s.execute(select(OutboxEvent.case_id).where(OutboxEvent.case_id.in_(ids)))).scalars().all()
        assert set(outbox) == set(ids)  # every dispatch told its unit, in the intake's transaction


async def test_numbers_within_one_instance_rise_and_restart_each_day(client, app, clock):
    agent = await f.login_as(app, "agent")
    first = [(await client.post("/hotline/orders", json=CALL, headers=agent)).json()["number"] for _ in range(3)]
    assert first == [f"440304-20261123-00000{i}" for i in (1, 2, 3)]
    clock.advance(days=1)
    assert (await client.post("/hotline/orders", json=CALL, headers=agent)).json()["number"] == \
        "440304-20261124-000001"
