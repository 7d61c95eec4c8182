"""Webhook delivery against a real local HTTP receiver: signed, retried with backoff, dead-lettered,
redelivered, resumed after a killed worker; the unit's poll feed; bad webhook URLs."""

import asyncio
import json
from datetime import timedelta
from email.message import Message

import httpx
from sqlalchemy import select

from app.delivery import repository, rules
from app.delivery.service import deliver_due, deliver_forever
from app.models import OutboxEvent
from tests import factories as f
from tests.receiver import WebhookReceiver

ECO_BUREAU = "440304000000"  # the noise case's lead: 深圳市生态环境局福田管理局


class Receiver(WebhookReceiver):
    """A unit's system: records what it is sent, answers `status` to the first `failures` calls."""

    def __init__(self, failures: int = 0, status: int = 500):
        self.received: list[tuple[dict[str, str], bytes]] = []
        self.failures, self.status = failures, status
        super().__init__()

    def answer(self, headers: Message, body: bytes) -> int:
        self.received.append(({k: v for k, v in headers.items()}, body))
        failing = self.failures > 0
        self.failures -= 1
        return self.status if failing else 204

    def event_ids(self) -> set[str]:
        return {h["X-CSC-Event-Id"] for h, _ in self.received}


async def _hook(client, app, url: str) -> tuple[int, str]:
    unit = await f.unit_by_kind(app, ECO_BUREAU, "ecology_environment_bureau")
    admin = await f.login_as(app, "admin")
    r = await client.put(f"/units/{unit}/webhook", json={"url": url}, headers=admin)
    assert r.status_code == 200, r.text
    return unit, r.json()["secret"]


async def test_a_units_cases_arrive_signed_within_seconds(client, app):
    receiver = Receiver()
    try:
        unit, secret = await _hook(client, app, receiver.url)
        app.state.settings.delivery_interval_seconds = 60.0  # only the commit's bell can make it quick
        worker = asyncio.create_task(deliver_forever(app.state))
        await asyncio.sleep(0.2)
        case = await f.case(client, await f.login_as(app, "agent"))
        for _ in range(50):
            if receiver.received:
                break
            await asyncio.sleep(0.1)
        worker.cancel()
        assert len(receiver.received) == 1  # within five seconds of the commit
        headers, body = receiver.received[0]
        ts = int(headers["X-CSC-Timestamp"])
        assert rules.verify(secret, ts, body, headers["X-CSC-Signature"], now=ts)
        assert not rules.verify(secret, ts, body + b" ", headers["X-CSC-Signature"], now=ts)
        assert not rules.verify(secret, ts, body, headers["X-CSC-Signature"], now=ts + 301)  # a replay, later
        event = json.loads(body)
        assert (event["type"], event["as"], event["unit_id"], event["case"]["number"]) == (
            "dispatch", "lead", unit, case["number"])
        assert event["event_id"] == headers["X-CSC-Event-Id"]
        assert event["case"]["requester"]["phone"] == "138****8000" and "13800138000" not in body.decode()
        async with app.state.sessionmaker() as session:
            row = (await session.execute(select(OutboxEvent).where(OutboxEvent.unit_id == unit))).scalar_one()
        assert (row.status, row.attempts) == ("delivered", 1)
    finally:
        receiver.close()


async def test_failures_back_off_then_dead_letter_and_an_admin_redelivers(client, app, clock):
    receiver = Receiver(failures=3)
    app.state.settings.delivery_max_attempts = 3
    try:
        unit, _ = await _hook(client, app, receiver.url)
        await f.case(client, await f.login_as(app, "agent"))
        async with httpx.AsyncClient(timeout=2) as http:
            assert (await deliver_due(app.state, http))["retry"] == 1
            assert await deliver_due(app.state, http) == {}  # backing off: not due yet
            async with app.state.sessionmaker() as session:
                row = (await session.execute(select(OutboxEvent).where(OutboxEvent.unit_id == unit))).scalar_one()
            wait = (row.next_attempt_at - clock.now()).total_seconds()
            assert 2.5 <= wait <= 5 and row.last_error.startswith("HTTP 500")  # base 5 s, full jitter
            clock.advance(seconds=5)
            assert (await deliver_due(app.state, http))["retry"] == 1
            clock.advance(seconds=10)
            assert (await deliver_due(app.state, http))["dead"] == 1
        admin = await f.login_as(app, "admin")
        r = await client.get("/admin/outbox", params={"status": "dead"}, headers=admin)
        [dead] = r.json()["items"]
        assert (dead["attempts"], dead["type"]) == (3, "dispatch")
        r = await client.post(f"/admin/outbox/{dead['id']}/redeliver", headers=admin)
        assert r.json()["status"] == "pending"
        async with httpx.AsyncClient(timeout=2) as http:
            assert (await deliver_due(app.state, http))["delivered"] == 1
        assert len(receiver.received) == 4 and len(receiver.event_ids()) == 1  # one event, de-duplicable
        r = await client.post(f"/admin/outbox/{dead['id']}/redeliver", headers=await f.login_as(app, "agent"))
        assert r.status_code == 403
    finally:
        receiver.close()


async def test_a_worker_killed_mid_delivery_loses_nothing(client, app, clock):
    receiver = Receiver()
    try:
        unit, _ = await _hook(client, app, receiver.url)
        await f.case(client, await f.login_as(app, "agent"))
        async with app.state.sessionmaker() as session:  # a worker leases the event, then dies
            leased = await repository.claim_due(session, clock.now(), clock.now() + timedelta(seconds=60), 10)
            await session.commit()
        assert len(leased) == 1
        async with httpx.AsyncClient(timeout=2) as http:
            assert await deliver_due(app.state, http) == {}  # the lease holds
            clock.advance(seconds=61)
            assert (await deliver_due(app.state, http))["delivered"] == 1
        assert receiver.event_ids() == {leased[0].event_uid}
    finally:
        receiver.close()


async def test_units_without_a_webhook_poll_their_feed_and_bad_urls_are_refused(client, app, clock):
    admin = await f.login_as(app, "admin")
    unit = await f.unit_by_kind(app, ECO_BUREAU, "ecology_environment_bureau")
    for url in ("ftp://unit.example/hook", "javascript:alert(1)", "http:///no-host", "http://unit.example:99999/h",
                "http://[::1/hook"):
        r = await client.put(f"/units/{unit}/webhook", json={"url": url}, headers=admin)
        assert (r.status_code, r.json()["code"]) == (422, "webhook_url_invalid"), url
    r = await client.get(f"/units/{unit}/webhook", headers=admin)
    assert (r.status_code, r.json()["code"]) == (404, "webhook_not_found")
    case = await f.case(client, await f.login_as(app, "agent"))
    async with httpx.AsyncClient(timeout=2) as http:
        assert await deliver_due(app.state, http) == {}
    staff = await f.login_as(app, "unit_staff", unit=unit)
    r = await client.get(f"/units/{unit}/events", params={"after": 0}, headers=staff)
    assert r.json()["items"] == []  # a few seconds, so that nothing still committing is stepped over
    clock.advance(seconds=6)
    r = await client.get(f"/units/{unit}/events", params={"after": 0}, headers=staff)
    [event] = r.json()["items"]
    assert (event["type"], event["status"], event["case_id"]) == ("dispatch", "poll", case["id"])
    other = await f.login_as(app, "unit_staff", unit=await f.unit_by_kind(app, "440304002017",
                                                                          "community_workstation"))
    assert (await client.get(f"/units/{unit}/events", headers=other)).status_code == 403
    r = await client.get(f"/units/{unit}/events", params={"after": event["id"]}, headers=staff)
    assert r.json()["items"] == []


async def test_the_sweeps_chases_reach_the_unit_and_a_dead_endpoint_stalls_no_one(client, app, clock):
    from app.supervision.service import sweep

    receiver = Receiver()
    try:
        unit, _ = await _hook(client, app, receiver.url)
        await f.case(client, await f.login_as(app, "agent"))
        rental = await f.case(client, await f.login_as(app, "agent"), category="housing.rental",
                              description="房东拒不退还押金，多次协商未果，请求协调处理")
        assert rental["lead_unit"]["id"] != unit
        r = await client.put(f"/units/{rental['lead_unit']['id']}/webhook",
                             json={"url": "http://127.0.0.1:1/nobody-listens"}, headers=await f.login_as(app, "admin"))
        assert r.status_code == 200
        clock.advance(days=3)  # past the sign-for limit
        assert (await sweep(app.state))["sign_overdue"] >= 1
        async with httpx.AsyncClient(timeout=2) as http:
            report = await deliver_due(app.state, http)
        assert report["delivered"] >= 2 and report["retry"] >= 1  # the dead endpoint fails alone
        types = [json.loads(b)["type"] for _, b in receiver.received]
        assert {"dispatch", "sign_overdue"} <= set(types)
    finally:
        receiver.close()
