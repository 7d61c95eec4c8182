"""The notification rules without a database: the seed file and its checks, rendering and masking, quiet hours,
the rate limit, and the providers' signatures as the local fakes (and the providers) check them."""

import logging
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
import yaml

from app.notifications import policy, providers, templates
from tests.fake_sms import FakeAliyun, FakeTencent

SEED = Path(__file__).resolve().parents[2] / "seed"
SH = ZoneInfo("Asia/Shanghai")


def _raw() -> dict:
    return yaml.safe_load((SEED / "notifications.yaml").read_text(encoding="utf-8"))


def test_the_seed_file_parses_and_every_event_names_a_template():
    catalogue = templates.load(SEED)
    assert catalogue.for_event("create", {}) == ("receipt",)
    assert catalogue.for_event("reply", {}) == ("replied", "rate_invite")
    assert catalogue.for_event("schedule", {"notify_requester": True}) == ("case_update",)
    assert catalogue.for_event("sign", {}) == ()
    assert all({"zh", "en"} <= t.keys() for t in catalogue.templates.values())


@pytest.mark.parametrize(("change", "code"), [
    (lambda r: r["templates"]["receipt"].__setitem__("zh", "编号{number}，身份证{id_number}"),
     "template_placeholder_unknown"),
    (lambda r: r["templates"]["receipt"].__setitem__("en", "bad {number"), "template_placeholder_invalid"),
    (lambda r: r["templates"]["receipt"].__setitem__("en", "{number!r}"), "template_placeholder_invalid"),
    (lambda r: r["templates"]["receipt"].__setitem__("fr", "{number}"), "template_invalid"),
    (lambda r: r["events"].__setitem__("close", ["nothing_like_it"]), "template_missing"),
    (lambda r: r["templates"].pop("case_update"), "template_missing"),
    (lambda r: r["policy"]["quiet_hours"].__setitem__("start", "25:00"), "notification_policy_invalid"),
    (lambda r: r["policy"]["quiet_hours"].__setitem__("channels", ["pigeon"]), "notification_policy_invalid"),
    (lambda r: r["policy"].__setitem__("max_attempts", 0), "notification_policy_invalid"),
])
def test_a_bad_seed_file_is_refused_with_what_is_wrong(change, code):
    raw = _raw()
    change(raw)
    with pytest.raises(templates.TemplateError) as caught:
        templates.parse(raw)
    assert caught.value.code == code


def test_rendering_masks_id_and_phone_numbers_and_falls_back_to_chinese():
    catalogue = templates.parse({**_raw(), "templates": {**_raw()["templates"],
                                                          "materials_requested": {"zh": "缺：{missing}"}}})
    text = templates.render(catalogue, "materials_requested", "en",
                            {"missing": "身份证 11010519491231002X 复印件、联系人 13800138000"})
    assert text == "缺：身份证 110***********002X 复印件、联系人 138****8000"
    params = templates.ordered_params(catalogue, "receipt", {"number": "A-1", "unit": "城管", "due_date": None,
                                                             "item": "x"})
    assert list(params) == ["number", "unit", "due_date"] and params["due_date"] == ""


def test_dedup_keys_are_the_same_words_to_the_same_person():
    a = templates.dedup_key("u:1", "replied", 5, {"number": "N", "unit_id": 3})
    assert a == templates.dedup_key("u:1", "replied", 5, {"unit_id": 3, "number": "N"})
    assert a != templates.dedup_key("u:2", "replied", 5, {"number": "N", "unit_id": 3})
    assert a != templates.dedup_key("u:1", "replied", 5, {"number": "N", "unit_id": 4})


QUIET = templates.QuietHours(time(22), time(8), frozenset({"sms"}), frozenset({"critical"}))


@pytest.mark.parametrize(("local", "until"), [
    (datetime(2026, 11, 23, 21, 59), None),
    (datetime(2026, 11, 23, 22, 0), datetime(2026, 11, 24, 8, 0)),
    (datetime(2026, 11, 23, 23, 30), datetime(2026, 11, 24, 8, 0)),
    (datetime(2026, 11, 24, 3, 0), datetime(2026, 11, 24, 8, 0)),
    (datetime(2026, 11, 24, 7, 59), datetime(2026, 11, 24, 8, 0)),
    (datetime(2026, 11, 24, 8, 0), None),
])
def test_quiet_hours_over_midnight_in_shanghai(local, until):
    now = local.replace(tzinfo=SH).astimezone(UTC)
    got = policy.quiet_until(now, SH, QUIET, "sms", urgent=False)
    assert got == (until.replace(tzinfo=SH).astimezone(UTC) if until else None)
    assert policy.quiet_until(now, SH, QUIET, "sms", urgent=True) is None  # a critical case goes at once
    assert policy.quiet_until(now, SH, QUIET, "wechat", urgent=False) is None  # not a quiet channel


def test_quiet_hours_within_a_day():
    day = templates.QuietHours(time(12), time(14), frozenset({"sms"}), frozenset())
    noon = datetime(2026, 11, 23, 12, 30, tzinfo=SH)
    assert policy.quiet_until(noon, SH, day, "sms", False) == datetime(2026, 11, 23, 14, 0, tzinfo=SH)
    assert policy.quiet_until(noon + timedelta(hours=2), SH, day, "sms", False) is None


def test_the_rate_limit_waits_for_the_oldest_message_in_the_window_to_leave_it():
    rules = templates.load(SEED).policy  # 5 an hour
    now = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
    sent = [now - timedelta(minutes=m) for m in (50, 40, 30, 20)]
    assert policy.rate_wait(sent, now, rules) is None
    sent.append(now - timedelta(minutes=10))
    assert policy.rate_wait(sent, now, rules) == now + timedelta(minutes=10)
    assert policy.rate_wait([now - timedelta(hours=2)] * 9, now, rules) is None
    assert policy.spent(rules.max_attempts, rules) and not policy.spent(rules.max_attempts - 1, rules)


SMS = providers.Sms(phone="13700001111", template="receipt", params={"number": "440304-20261123-000001"},
                    text="…")
NOW = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)


def _wall() -> datetime:
    return datetime.now(UTC)  # the SDKs stamp their requests with the machine's clock


async def _resend(fake, request, change=lambda body: body) -> httpx.Response:
    """A request the fake took, sent again, its query and body changed by `change` (the Aliyun SDK puts every
    parameter in the query string, the Tencent SDK in a JSON body)."""
    path, headers, body = request
    keep = {k: v for k, v in headers.items() if k.lower() not in ("content-length", "connection")}
    quiet = logging.getLogger("httpx")
    level, quiet.level = quiet.level, logging.WARNING  # httpx logs the URL, and the Aliyun SDK's carries the phone
    try:
        async with httpx.AsyncClient() as http:
            return await http.post(fake.url.rstrip("/") + change(path.encode()).decode(), content=change(body),
                                   headers=keep)
    finally:
        quiet.level = level


@pytest.mark.parametrize(("algorithm", "scheme"), [(None, "ACS3-HMAC-SHA256"), ("v2", "HMAC-SHA1")])
async def test_the_aliyun_sdk_is_accepted_and_a_tampered_replayed_or_wrongly_signed_request_refused(algorithm,
                                                                                                     scheme):
    fake = FakeAliyun(key_id="LTAI", secret="s3cret", templates={"SMS_1": ["number"]}, now=_wall)
    adapter = providers.Aliyun(key_id="LTAI", secret="s3cret", sign_name="某区政务", codes={"receipt": "SMS_1"},
                               endpoint=fake.url, signature_algorithm=algorithm)
    try:
        async with httpx.AsyncClient() as http:
            sent = await adapter.send(http, SMS, NOW)
            assert sent.ok and sent.ref
            taken = fake.last
            assert scheme in taken[1].get("Authorization", "") + taken[0]  # the signature the SDK chose
            r = await _resend(fake, taken, lambda b: b.replace(b"13700001111", b"13900009999"))
            assert r.status_code == 400 and r.json()["Code"] == "SignatureDoesNotMatch"
            r = await _resend(fake, taken)  # signed well, but its nonce is spent
            assert r.json()["Code"] == "SignatureNonceUsed"
            wrong = providers.Aliyun(key_id="LTAI", secret="other", sign_name="x", codes={"receipt": "SMS_1"},
                                     endpoint=fake.url, signature_algorithm=algorithm)
            refused = await wrong.send(http, SMS, NOW)
            assert not refused.ok and refused.permanent and (refused.error or "").startswith("SignatureDoesNotMatch")
            fake.now = lambda: _wall() + timedelta(minutes=20)  # the provider's clock far from ours
            late = await adapter.send(http, SMS, NOW)
            assert not late.ok and "InvalidTimeStamp.Expired" in (late.error or "")
            fake.now, fake.fail_next = _wall, 1
            busy = await adapter.send(http, SMS, NOW)
            assert not busy.ok and not busy.permanent  # tried again later
    finally:
        fake.close()
    assert fake.accepted == [{"phone": "13700001111", "template": "SMS_1",
                              "params": {"number": "440304-20261123-000001"}}]


async def test_the_tencent_sdk_is_accepted_and_a_tampered_or_wrongly_signed_request_refused():
    fake = FakeTencent(key_id="AKID", secret="s3cret", app_id="1400", templates={"77": ["number"]}, now=_wall)
    adapter = providers.Tencent(secret_id="AKID", secret_key="s3cret", app_id="1400", sign_name="某区政务",
                                codes={"receipt": "77"}, endpoint=fake.url)
    try:
        async with httpx.AsyncClient() as http:
            assert (await adapter.send(http, SMS, NOW)).ok
            taken = fake.last
            r = await _resend(fake, taken, lambda b: b.replace(b"13700001111", b"13900009999"))
            assert r.json()["Response"]["Error"]["Code"] == "AuthFailure.SignatureFailure"
            # TC3 carries no nonce: within the five minutes of its timestamp the same request is taken again.
            assert (await _resend(fake, taken)).json()["Response"]["SendStatusSet"][0]["Code"] == "Ok"
            fake.now = lambda: _wall() + timedelta(minutes=10)
            late = await adapter.send(http, SMS, NOW)
            assert not late.ok and (late.error or "").startswith("AuthFailure.SignatureExpire")
            fake.now = _wall
            sent = await providers.Tencent(secret_id="AKID", secret_key="no", app_id="1400", sign_name="x",
                                           codes={"receipt": "77"}, endpoint=fake.url).send(http, SMS, NOW)
            assert not sent.ok and sent.permanent
            missing = await adapter.send(http, providers.Sms("13700001111", "closed", {}, "…"), NOW)
            assert not missing.ok and missing.permanent and "no Tencent template" in (missing.error or "")
            fake.fail_next = 1
            busy = await adapter.send(http, SMS, NOW)
            assert not busy.ok and not busy.permanent
    finally:
        fake.close()
    assert [a["params"] for a in fake.accepted] == [{"number": "440304-20261123-000001"}] * 2
