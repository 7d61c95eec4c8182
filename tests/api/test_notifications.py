"""Residents hear what happened to their cases: the inbox (written with the event), SMS sent by the worker
through Alibaba Cloud's or Tencent Cloud's API (local fakes that check the documented signatures), and the
rules of sending: opt-out, quiet hours, dedup, retries and dead letters."""

import asyncio
import contextlib
import json
import threading
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
from sqlalchemy import select

from app.delivery import rules
from app.models import NotificationDelivery
from app.notifications.sending import send_due, send_forever
from tests import factories as f
from tests.api.test_feed import _read_events, _serving
from tests.fake_sms import FakeAliyun, FakeTencent

FUTIAN = "440304000000"
PHONE = "13700001111"
# Our template -> the provider's approved code, and the variables that code takes (in the text's order).
CODES = {"receipt": "SMS_900001", "replied": "SMS_900002", "rate_invite": "SMS_900003", "closed": "SMS_900004",
         "case_update": "SMS_900005"}
VARIABLES = {"SMS_900001": ["number", "unit", "due_date"], "SMS_900002": ["number", "unit"],
             "SMS_900003": ["number", "rate_link"], "SMS_900004": ["number"], "SMS_900005": ["number"]}


@pytest.fixture(params=["aliyun", "tencent"])
def provider(request, app):
    def now() -> datetime:
        return datetime.now(UTC)  # the SDKs stamp their requests with the machine's clock, not the test's

    if request.param == "aliyun":
        fake = FakeAliyun(key_id="LTAI-test", secret="aliyun-secret", templates=VARIABLES, now=now)
    else:
        fake = FakeTencent(key_id="AKID-test", secret="tencent-secret", app_id="1400000001", templates=VARIABLES,
                           now=now)
    s = app.state.settings
    s.notify_sms_provider, s.notify_sms_endpoint = request.param, fake.url
    s.notify_sms_key_id, s.notify_sms_key_secret = fake.key_id, fake.secret
    s.notify_sms_sign_name, s.notify_sms_app_id = "福田区政务服务", "1400000001"
    s.notify_sms_templates = dict(CODES)
    s.notify_public_url = "https://app.example.gov.cn"
    yield fake
    fake.close()


async def _send(app) -> dict[str, int]:
    async with httpx.AsyncClient(timeout=5) as http:
        return await send_due(app.state, http)


async def _resident(app, username: str = PHONE) -> dict[str, str]:
    return await f.login_as(app, "resident", username=username)


async def _report(client, resident) -> dict:
    r = await client.post("/cases", json={**f.NOISE_CASE, "caller_phone": None, "caller_name": None},
                          headers=resident)
    assert r.status_code == 201, r.text
    return r.json()


async def _deliveries(app) -> list[NotificationDelivery]:
    async with app.state.sessionmaker() as session:
        return list((await session.execute(select(NotificationDelivery).order_by(NotificationDelivery.id))).scalars())


async def test_a_report_brings_a_receipt_then_the_reply_and_an_invitation_to_rate(client, app, provider):
    resident = await _resident(app)
    case = await _report(client, resident)
    inbox = (await client.get("/me/notifications", headers=resident)).json()
    assert inbox["counts"] == {"total": 1, "unread": 1}
    receipt = inbox["items"][0]
    assert receipt["template"] == "receipt" and receipt["case_number"] == case["number"]
    assert case["number"] in receipt["text"] and case["lead_unit"]["name"] in receipt["text"]
    assert "2026-11-30" in receipt["text"]  # the promised date, local
    assert provider.accepted == []  # SMS goes from the worker, after the commit, never in the request

    assert await _send(app) == {"sent": 1}
    sms = provider.accepted[0]
    assert sms["phone"] == PHONE and sms["template"] == CODES["receipt"]
    assert sms["params"] == {"number": case["number"], "unit": case["lead_unit"]["name"], "due_date": "2026-11-30"}

    staff = await f.login_as(app, "unit_staff", unit=case["lead_unit"]["id"])
    case = await f.act(client, staff, case, "sign")
    case = await f.act(client, staff, case, "start")
    await f.act(client, staff, case, "reply", {"text": "已责令工地夜间停工", "signer": "王科长"})
    inbox = (await client.get("/me/notifications", headers=resident)).json()
    assert [n["template"] for n in inbox["items"]] == ["rate_invite", "replied", "receipt"]
    assert inbox["counts"] == {"total": 3, "unread": 3}
    assert f"https://app.example.gov.cn/m/#/case/{case['id']}" in inbox["items"][0]["text"]
    assert await _send(app) == {"sent": 2}
    assert [s["template"] for s in provider.accepted] == [CODES["receipt"], CODES["replied"], CODES["rate_invite"]]
    assert all(s["params"]["number"] == case["number"] for s in provider.accepted)
    assert provider.refused == []

    # Read marks; pages; the delivery status shows the phone masked.
    r = await client.post(f"/me/notifications/{receipt['id']}/read", headers=resident)
    assert r.status_code == 200 and r.json()["read_at"]
    page = (await client.get("/me/notifications", params={"limit": 2, "unread": "true"}, headers=resident)).json()
    assert page["counts"] == {"total": 3, "unread": 2} and len(page["items"]) == 2 and page["next_cursor"] is None
    page = (await client.get("/me/notifications", params={"limit": 1}, headers=resident)).json()
    rest = (await client.get("/me/notifications", params={"cursor": page["next_cursor"]}, headers=resident)).json()
    assert len(page["items"]) + len(rest["items"]) == 3
    r = await client.post("/me/notifications/read", json={}, headers=resident)
    assert r.json() == {"marked": 2}
    status = (await client.get(f"/me/notifications/{receipt['id']}/deliveries", headers=resident)).json()
    assert status[0]["status"] == "sent" and status[0]["phone"] == "137****1111" and status[0]["provider_ref"]

    # Another resident sees none of it.
    other = await _resident(app, "13700002222")
    assert (await client.get("/me/notifications", headers=other)).json()["counts"] == {"total": 0, "unread": 0}
    r = await client.post(f"/me/notifications/{receipt['id']}/read", headers=other)
    assert r.status_code == 404 and r.json()["code"] == "notification_not_found"
    assert (await client.get(f"/me/notifications/{receipt['id']}/deliveries", headers=other)).status_code == 404


async def test_opt_out_is_respected_and_the_inbox_still_tells(client, app, provider):
    resident = await _resident(app)
    r = await client.put("/me/notification-preferences", json={"opted_out": ["sms"], "locale": "en"},
                         headers=resident)
    assert r.status_code == 200 and r.json() == {"locale": "en", "opted_out": ["sms"]}
    case = await _report(client, resident)
    assert await _send(app) == {"skipped_opted_out": 1}
    assert provider.accepted == []
    item = (await client.get("/me/notifications", headers=resident)).json()["items"][0]
    assert item["text"].startswith("Receipt: your request " + case["number"])
    status = (await client.get(f"/me/notifications/{item['id']}/deliveries", headers=resident)).json()
    assert (status[0]["status"], status[0]["last_error"]) == ("skipped", "opted_out")
    for bad in ({"opted_out": ["fax"]}, {"locale": "fr"}, {"opt_out": ["sms"]}):
        r = await client.put("/me/notification-preferences", json=bad, headers=resident)
        assert r.status_code == 422, bad


async def test_quiet_hours_defer_sms_except_for_critical_cases(client, app, clock, provider):
    clock.set(datetime(2026, 11, 23, 15, 0, tzinfo=UTC))  # 23:00 in Shanghai
    resident = await _resident(app)
    await _report(client, resident)
    assert await _send(app) == {"deferred_quiet_hours": 1}
    assert provider.accepted == []
    [d] = await _deliveries(app)
    assert (d.status, d.deferred, d.next_attempt_at) == ("pending", "quiet_hours",
                                                          datetime(2026, 11, 24, 0, 0, tzinfo=UTC))  # 08:00
    # A caller known only by phone, in a critical case, is told at once.
    agent = await f.login_as(app, "agent")
    await f.case(client, agent, urgency="critical", caller_phone="13900003333")
    assert await _send(app) == {"sent": 1}
    assert provider.accepted[0]["phone"] == "13900003333"
    clock.set(datetime(2026, 11, 24, 0, 0, 1, tzinfo=UTC))
    assert await _send(app) == {"sent": 1}
    assert provider.accepted[1]["phone"] == PHONE


async def test_a_failing_provider_is_retried_then_dead_lettered_and_redelivered(client, app, clock, provider):
    provider.fail_next = 100
    resident = await _resident(app)
    await _report(client, resident)
    reports = []
    for _ in range(5):
        reports.append(await _send(app))
        clock.advance(hours=2)  # past the backoff's cap
    assert reports == [{"retry": 1}] * 4 + [{"dead": 1}]
    admin = await f.login_as(app, "admin")
    dead = (await client.get("/admin/notifications/dead", headers=admin)).json()["items"]
    assert len(dead) == 1 and dead[0]["attempts"] == 5 and dead[0]["phone"] == "137****1111"
    assert dead[0]["template"] == "receipt" and dead[0]["last_error"]
    assert (await client.get("/admin/notifications/dead", headers=resident)).status_code == 403
    provider.fail_next = 0
    r = await client.post(f"/admin/notifications/deliveries/{dead[0]['id']}/redeliver", headers=admin)
    assert r.status_code == 200 and r.json()["status"] == "pending"
    r = await client.post(f"/admin/notifications/deliveries/{dead[0]['id']}/redeliver", headers=admin)
    assert r.status_code == 409 and r.json()["code"] == "notification_delivery_pending"
    assert await _send(app) == {"sent": 1}
    assert len(provider.accepted) == 1
    # Sent once: a second redelivery of the same message to the same person is a duplicate, not a second SMS.
    await client.post(f"/admin/notifications/deliveries/{dead[0]['id']}/redeliver", headers=admin)
    assert await _send(app) == {"skipped_duplicate": 1}
    assert len(provider.accepted) == 1
    r = await client.post("/admin/notifications/deliveries/999999/redeliver", headers=admin)
    assert r.status_code == 404 and r.json()["code"] == "notification_delivery_not_found"


async def test_a_bad_signature_is_refused_by_the_provider_and_not_retried(client, app, provider):
    app.state.settings.notify_sms_key_secret = "not-the-secret"
    resident = await _resident(app)
    await _report(client, resident)
    assert await _send(app) == {"dead": 1}
    assert provider.accepted == []
    assert provider.refused == [{"aliyun": "SignatureDoesNotMatch"}.get(app.state.settings.notify_sms_provider,
                                                                        "AuthFailure.SignatureFailure")]
    [d] = await _deliveries(app)
    assert d.status == "dead" and "Signature" in (d.last_error or "")


async def test_a_landline_gets_no_sms_and_an_anonymous_case_no_notification(client, app, provider):
    agent = await f.login_as(app, "agent")
    await f.case(client, agent, caller_phone="075583001234")
    await f.case(client, agent, anonymous=True, caller_phone="13900004444")
    assert await _send(app) == {"skipped_phone_not_mobile": 1}
    assert provider.accepted == []
    assert len(await _deliveries(app)) == 1


async def test_sms_off_writes_the_inbox_only(client, app):
    resident = await _resident(app)
    await _report(client, resident)
    assert (await client.get("/me/notifications", headers=resident)).json()["counts"]["total"] == 1
    assert await _deliveries(app) == []
    assert await _send(app) == {}


async def test_rate_limit_defers_the_sixth_message_in_an_hour(client, app, clock, provider):
    resident = await _resident(app)
    for _ in range(6):
        await _report(client, resident)
    assert await _send(app) == {"sent": 5, "deferred_rate_limit": 1}
    clock.advance(minutes=61)
    assert await _send(app) == {"sent": 1}
    assert len(provider.accepted) == 6


async def test_the_residents_stream_brings_their_own_notifications_as_they_happen(client, app):
    resident = await _resident(app)
    other = await _resident(app, "13700002222")
    async with _serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        async with http.stream("GET", "/me/notifications/stream", headers=resident) as mine, \
                http.stream("GET", "/me/notifications/stream", headers=other) as theirs:
            assert mine.status_code == 200 and mine.headers["content-type"].startswith("text/event-stream")
            await asyncio.sleep(0.2)  # subscribed before anything happens
            case = await _report(client, resident)
            got = await asyncio.wait_for(_read_events(mine, 1), 10)
            with contextlib.suppress(TimeoutError):
                assert await asyncio.wait_for(_read_events(theirs, 1), 1) == []
    assert got[0]["sse_event"] == "notification" and got[0]["template"] == "receipt"
    assert got[0]["case_number"] == case["number"] and got[0]["sse_id"] == str(got[0]["id"])
    async with _serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        async with http.stream("GET", "/me/notifications/stream", params={"after": 0}, headers=resident) as again:
            replay = await asyncio.wait_for(_read_events(again, 1), 10)  # resumed from an id
    assert replay[0]["id"] == got[0]["id"]


async def test_an_applicant_is_told_what_is_missing_and_the_decision(client, app):
    """An affair accepted with a material to follow (容缺), then approved: the applicant hears which material, by
    when, and the decision with an invitation to rate."""
    from tests.api.test_affairs import _apply, _item, _workstation, upload  # the affairs tests' own helpers

    await _item(client, app, "TEST-ALLOWANCE", 15)
    _, staff = await _workstation(app)
    resident = await _resident(app, "13912345678")
    case = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card", "hukou_book"))
    case = await f.act(client, staff, case, "accept_pending", {"promise": "本人承诺 13 个工作日内补交银行卡复印件"})
    items = (await client.get("/me/notifications", headers=resident)).json()["items"]
    assert [n["template"] for n in items] == ["materials_missing", "receipt"]
    assert "社保卡或银行卡" in items[0]["text"] and "2026-12-10" in items[0]["text"]
    assert "110105194403120033" not in str(items)  # the applicant's ID number is in no message
    r = await client.post(f"/affairs/applications/{case['id']}/materials", json={"materials": upload("bank_card")},
                          headers={**resident, "If-Match": f'"{case["version"]}"'})
    assert r.status_code == 200, r.text
    await f.act(client, staff, r.json(), "approve", {"certificate_no": "FT-2026-0001", "collection": "mail"})
    items = (await client.get("/me/notifications", headers=resident)).json()["items"]
    assert [n["template"] for n in items] == ["rate_invite", "decision_approved", "materials_missing", "receipt"]
    assert "测试津贴申领" in items[1]["text"]  # the resident's own supplement told them nothing

    second = await _apply(client, resident, "TEST-ALLOWANCE", upload("id_card"))
    notice = {"items": [{"problem": "unclear", "detail": "复印件看不清", "material_code": "hukou_book"}]}
    await f.act(client, staff, second, "request_materials", notice)
    items = (await client.get("/me/notifications", headers=resident)).json()["items"]
    assert items[0]["template"] == "materials_requested" and "户口簿" in items[0]["text"]


async def test_the_worker_sends_within_seconds_of_the_commit_through_a_signed_gateway(client, app):
    """The generic HTTP gateway, signed like the units' webhooks; the worker's loop woken by the commit."""
    received: list[tuple[dict[str, str], bytes]] = []

    class Gateway(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 - the stdlib's name
            body = self.rfile.read(int(self.headers["Content-Length"]))
            received.append(({k: v for k, v in self.headers.items()}, body))
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.end_headers()
            self.wfile.write(b'{"id": "gw-1"}')

        def log_message(self, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Gateway)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    s = app.state.settings
    s.notify_sms_provider, s.notify_sms_key_secret = "http", "gateway-secret"
    s.notify_sms_endpoint = f"http://127.0.0.1:{server.server_port}/sms"
    s.notify_interval_seconds = 60.0  # only the commit's bell can make it quick
    worker = asyncio.create_task(send_forever(app.state))
    try:
        await asyncio.sleep(0.2)
        resident = await _resident(app)
        case = await _report(client, resident)
        for _ in range(50):
            if received and [d.status for d in await _deliveries(app)] == ["sent"]:  # sent, and recorded
                break
            await asyncio.sleep(0.1)
    finally:
        worker.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker
        server.shutdown()
    assert len(received) == 1
    headers, body = received[0]
    ts = int(headers["X-CSC-Timestamp"])
    assert rules.verify("gateway-secret", ts, body, headers["X-CSC-Signature"], now=ts)
    assert not rules.verify("other", ts, body, headers["X-CSC-Signature"], now=ts)
    sent = json.loads(body)
    assert sent["to"] == PHONE and sent["template"] == "receipt" and case["number"] in sent["text"]
    [d] = await _deliveries(app)
    assert (d.status, d.provider, d.provider_ref) == ("sent", "http", "gw-1")
