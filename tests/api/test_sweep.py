"""The deadline sweep against a real database, travelling in time across the National Day holiday."""

import asyncio
from datetime import UTC, datetime

from sqlalchemy import func, select

from app.models import CaseEvent
from app.supervision.service import sweep
from tests import factories as f


def z(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


async def _types(app, case_id: int) -> list[str]:
    async with app.state.sessionmaker() as session:
        rows = await session.execute(select(CaseEvent.type).where(CaseEvent.case_id == case_id)
                                     .order_by(CaseEvent.id))
        return list(rows.scalars())


async def test_an_ignored_case_is_chased_then_supervised_on_working_days(client, app, clock):
    clock.set(z(2026, 9, 22, 2, 0))  # Tue 22 Sep, 10:00 in Shenzhen
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    # 5 working days, skipping the Mid-Autumn weekend: due at the close of Wed 30 Sep.
    assert case["deadlines"]["handle_due"] == "2026-09-30T15:59:59Z"
    cid = case["id"]

    clock.set(z(2026, 9, 23, 3, 0))  # the unit did not sign within 24 hours
    assert await sweep(app.state) == {"sign_overdue": 1}
    clock.set(z(2026, 9, 30, 15, 0))
    assert await sweep(app.state) == {}
    clock.set(z(2026, 10, 1, 2, 0))
    assert await sweep(app.state) == {"handle_overdue": 1}
    clock.set(z(2026, 10, 7, 15, 59))  # still the holiday in Shenzhen
    assert await sweep(app.state) == {}
    clock.set(z(2026, 10, 7, 16, 5))  # Thu 8 Oct 00:05, the first working day after the deadline
    assert await sweep(app.state) == {"chase": 1}
    assert await sweep(app.state) == {}  # running twice writes nothing new
    clock.set(z(2026, 10, 13, 15, 59))
    assert await sweep(app.state) == {}
    clock.set(z(2026, 10, 13, 16, 5))  # Wed 14 Oct: 5 working days after the chase, Sat 10 Oct worked
    assert await sweep(app.state) == {"supervise": 1}
    assert await sweep(app.state) == {}

    assert await _types(app, cid) == ["create", "dispatch", "sign_overdue", "handle_overdue", "chase", "supervise"]
    body = (await client.get(f"/cases/{cid}", headers=agent)).json()
    o = body["oversight"]
    assert (o["chase_due"], o["chased_at"]) == ("2026-10-07T16:00:00Z", "2026-10-07T16:05:00Z")
    assert (o["supervise_due"], o["supervised_at"]) == ("2026-10-13T16:00:00Z", "2026-10-13T16:05:00Z")
    supervise = body["timeline"][-1]
    assert supervise["actor_role"] == "system" and supervise["data"]["report_to"] == "leadership"
    assert body["version"] == case["version"] + 4  # each pass that wrote marks changed the case


async def test_a_new_deadline_starts_a_new_cycle(client, app, clock):
    agent = await f.login_as(app, "agent")
    dispatcher = await f.login_as(app, "dispatcher")
    urban = await f.unit_by_kind(app, "440304000000", "urban_management_bureau")
    case = await f.case(client, agent)
    clock.set(z(2026, 12, 2, 2, 0))  # past the 30 Nov deadline and the next working day
    assert await sweep(app.state) == {"sign_overdue": 1, "handle_overdue": 1, "chase": 1}
    case = (await client.get(f"/cases/{case['id']}", headers=agent)).json()
    assert case["oversight"]["supervise_due"] == "2026-12-08T16:00:00Z"  # Wed 2 Dec + 5 working days
    case = await f.act(client, dispatcher, case, "redispatch", {"unit_id": urban, "reason": "改派城管"})
    assert case["oversight"]["handle_overdue_at"] is None and case["oversight"]["supervise_due"] is None
    assert await sweep(app.state) == {}


async def test_two_workers_sweeping_at_once_write_each_mark_once(client, app, clock):
    agent = await f.login_as(app, "agent")
    ids = [(await f.case(client, agent))["id"] for _ in range(30)]
    clock.set(z(2026, 12, 2, 2, 0))
    reports = await asyncio.gather(sweep(app.state), sweep(app.state), sweep(app.state))
    assert sum(r.get("handle_overdue", 0) for r in reports) == 30
    assert sum(r.get("sign_overdue", 0) for r in reports) == 30
    async with app.state.sessionmaker() as session:
        per_case = dict((await session.execute(
            select(CaseEvent.case_id, func.count()).where(CaseEvent.type == "handle_overdue")
            .group_by(CaseEvent.case_id))).all())
    assert per_case == dict.fromkeys(ids, 1)


async def test_callback_reminder_when_nobody_called_back(client, app, clock):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent, hold=True, work_order_type="consultation")
    case = await f.act(client, agent, case, "direct_answer", {"article_code": "kb-noise-construction-01",
                                                              "answer": "夜间施工须持夜间施工许可证，可拨打12345投诉"})
    assert case["deadlines"]["callback_due"] == "2026-11-24T15:59:59Z"  # next working day
    clock.set(z(2026, 11, 24, 16, 30))
    assert await sweep(app.state) == {"callback_reminder": 1}
    assert await sweep(app.state) == {}
