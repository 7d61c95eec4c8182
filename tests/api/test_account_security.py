"""Accounts and the doors into them: tokens that end when they should (expiry, logout, password change, an
administrator changing the account), rate limits, security headers, CORS."""

import contextlib
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from xml.etree import ElementTree as ET

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import select

from app.core.headers import API_CSP, SecurityHeadersMiddleware
from app.core.ratelimit import parse_rate
from app.main import create_app
from app.models import AuditLog, User
from tests.api.test_auth import count_users
from tests.conftest import _settings
from tests.factories import NOISE_CASE, PASSWORD, case, login_as, unit_by_kind, user

RESIDENT = {"phone": "13912345678", "password": "Good#Pass1", "name": "李阿姨"}
SUBDISTRICT = "440304001000"


async def _login(client, username: str, password: str) -> dict[str, str]:
    r = await client.post("/auth/token", data={"username": username, "password": password})
    assert r.status_code == 200, r.text
    return {"Authorization": f"Bearer {r.json()['access_token']}"}


async def _resident(client) -> dict[str, str]:
    assert (await client.post("/auth/register", json=RESIDENT)).status_code == 201
    return await _login(client, RESIDENT["phone"], RESIDENT["password"])


async def _user_row(app, user_id: int) -> User:
    async with app.state.sessionmaker() as s:
        return await s.get(User, user_id)


async def _audit(app, action: str) -> list[AuditLog]:
    async with app.state.sessionmaker() as s:
        return list((await s.execute(select(AuditLog).where(AuditLog.action == action).order_by(AuditLog.id)))
                    .scalars())


async def _assert_revoked(client, headers: dict[str, str]) -> None:
    r = await client.get("/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "auth_token_revoked", r.text
    assert r.headers["www-authenticate"] == "Bearer"


async def test_token_lives_exactly_its_ttl(client, app, clock):
    headers = await _resident(client)
    ttl = app.state.settings.token_ttl_minutes
    clock.advance(minutes=ttl, seconds=-1)
    assert (await client.get("/me", headers=headers)).status_code == 200
    clock.advance(seconds=1)
    r = await client.get("/me", headers=headers)
    assert r.status_code == 401 and r.json()["code"] == "auth_token_expired"


async def test_logout_revokes_every_token_issued_before(client, app):
    phone_token = await _resident(client)
    me = (await client.get("/me", headers=phone_token)).json()
    web_token = await _login(client, RESIDENT["phone"], RESIDENT["password"])
    r = await client.post("/auth/logout", headers=phone_token)
    assert r.status_code == 204 and r.content == b""
    await _assert_revoked(client, phone_token)
    await _assert_revoked(client, web_token)  # logout ends the session everywhere, not just on this device
    assert (await client.post("/auth/logout", headers=phone_token)).json()["code"] == "auth_token_revoked"
    fresh = await _login(client, RESIDENT["phone"], RESIDENT["password"])
    assert (await client.get("/me", headers=fresh)).status_code == 200
    [entry] = await _audit(app, "auth.logout")
    assert (entry.actor_user_id, entry.target_id, entry.result) == (me["id"], str(me["id"]), "ok")


async def test_logout_needs_a_token(client, app):
    r = await client.post("/auth/logout")
    assert r.status_code == 401 and r.json()["code"] == "auth_required"
    assert await _audit(app, "auth.logout") == []


async def test_password_change_revokes_old_tokens_and_returns_a_fresh_one(client, app):
    old = await _resident(client)
    r = await client.post("/auth/password", headers=old,
                          json={"current_password": RESIDENT["password"], "new_password": "New#Pass2026"})
    assert r.status_code == 200, r.text
    assert r.json()["token_type"] == "bearer" and r.json()["expires_in"] > 0
    await _assert_revoked(client, old)
    fresh = {"Authorization": f"Bearer {r.json()['access_token']}"}
    assert (await client.get("/me", headers=fresh)).json()["username"] == RESIDENT["phone"]
    refused = await client.post("/auth/token", data={"username": RESIDENT["phone"], "password": RESIDENT["password"]})
    assert refused.status_code == 401
    await _login(client, RESIDENT["phone"], "New#Pass2026")
    [entry] = await _audit(app, "account.password_change")
    assert entry.result == "ok" and entry.ip


async def test_password_change_bad_inputs_change_nothing(client, app):
    headers = await _resident(client)
    me = (await client.get("/me", headers=headers)).json()
    before = await _user_row(app, me["id"])
    cases = [
        ({"current_password": "Wrong#Pass1", "new_password": "New#Pass2026"}, "password_wrong", "current_password"),
        ({"current_password": RESIDENT["password"], "new_password": "weakpass"}, "password_weak", "new_password"),
        ({"current_password": RESIDENT["password"], "new_password": RESIDENT["password"]}, "password_unchanged",
         "new_password"),
        ({"current_password": RESIDENT["password"]}, "validation_failed", "new_password"),
        ({"current_password": RESIDENT["password"], "new_password": "New#Pass2026", "x": 1}, "validation_failed",
         "x"),
    ]
    for body, code, field in cases:
        r = await client.post("/auth/password", headers=headers, json=body)
        assert r.status_code == 422 and r.json()["code"] == code, (body, r.text)
        assert r.json()["errors"][0]["field"] == field
    after = await _user_row(app, me["id"])
    assert (after.password_hash, after.token_version) == (before.password_hash, before.token_version)
    assert (await client.get("/me", headers=headers)).status_code == 200
    # Only the wrong current password is recorded (it counts toward the lockout); nothing else was written.
    assert [e.result for e in await _audit(app, "account.password_change")] == ["fail"]
    assert after.failed_logins == 1
    anonymous = await client.post("/auth/password", json=cases[0][0])
    assert anonymous.status_code == 401


async def test_guessing_the_current_password_locks_the_account(client, app, clock):
    headers = await _resident(client)
    wrong = {"current_password": "Wrong#Pass1", "new_password": "New#Pass2026"}
    for _ in range(4):
        assert (await client.post("/auth/password", headers=headers, json=wrong)).json()["code"] == "password_wrong"
    r = await client.post("/auth/password", headers=headers, json=wrong)
    assert r.status_code == 423 and r.json()["code"] == "auth_account_locked"
    right = {"current_password": RESIDENT["password"], "new_password": "New#Pass2026"}
    assert (await client.post("/auth/password", headers=headers, json=right)).status_code == 423
    login = await client.post("/auth/token", data={"username": RESIDENT["phone"], "password": RESIDENT["password"]})
    assert login.status_code == 423
    clock.advance(minutes=app.state.settings.lockout_minutes, seconds=1)
    assert (await client.post("/auth/password", headers=headers, json=right)).status_code == 200


async def test_admin_role_change_and_deactivation_revoke_tokens(client, app):
    admin = await login_as(app, "admin")
    agent_id = await user(app, "agent", username="agent-wang")
    agent = await _login(client, "agent-wang", PASSWORD)
    r = await client.patch(f"/users/{agent_id}", headers=admin, json={"role": "dispatcher"})
    assert r.status_code == 200, r.text
    assert r.json()["role"] == "dispatcher" and r.json()["active"] is True
    await _assert_revoked(client, agent)
    dispatcher = await _login(client, "agent-wang", PASSWORD)
    assert (await client.get("/me", headers=dispatcher)).json()["role"] == "dispatcher"

    unit = await unit_by_kind(app, SUBDISTRICT, "subdistrict_office")
    r = await client.patch(f"/users/{agent_id}", headers=admin, json={"role": "unit_staff", "unit_id": unit})
    assert r.status_code == 200 and r.json()["unit_id"] == unit
    await _assert_revoked(client, dispatcher)

    staff = await _login(client, "agent-wang", PASSWORD)
    r = await client.patch(f"/users/{agent_id}", headers=admin, json={"active": False})
    assert r.status_code == 200 and r.json()["active"] is False
    gone = await client.get("/me", headers=staff)
    assert gone.status_code == 401 and gone.json()["code"] == "auth_account_disabled"
    refused = await client.post("/auth/token", data={"username": "agent-wang", "password": PASSWORD})
    assert refused.status_code == 403 and refused.json()["code"] == "auth_account_disabled"
    # Reactivated, the account does not bring its old tokens back.
    assert (await client.patch(f"/users/{agent_id}", headers=admin, json={"active": True})).status_code == 200
    await _assert_revoked(client, staff)

    entries = await _audit(app, "account.update")
    assert len(entries) == 4 and all(e.target_id == str(agent_id) for e in entries)
    assert entries[0].detail["before"]["role"] == "agent" and entries[0].detail["after"]["role"] == "dispatcher"
    assert entries[2].detail["after"]["active"] is False


async def test_admin_account_changes_refused(client, app):
    admin_id = await user(app, "admin", username="admin-li")
    admin = await _login(client, "admin-li", PASSWORD)
    agent_id = await user(app, "agent")
    resident = await _resident(client)
    before = await _user_row(app, agent_id)
    cases = [
        (resident, agent_id, {"role": "admin"}, 403, "forbidden"),
        ({}, agent_id, {"role": "admin"}, 401, "auth_required"),
        (admin, 999999, {"role": "agent"}, 404, "user_not_found"),
        (admin, admin_id, {"role": "agent"}, 409, "account_self_change"),
        (admin, admin_id, {"active": False}, 409, "account_self_change"),
        (admin, agent_id, {"role": "unit_staff"}, 422, "unit_required"),
        (admin, agent_id, {"unit_id": 999999}, 422, "unit_not_found"),
        (admin, agent_id, {"role": "agent"}, 422, "nothing_to_change"),
        (admin, agent_id, {}, 422, "nothing_to_change"),
        (admin, agent_id, {"role": "king"}, 422, "validation_failed"),
        (admin, agent_id, {"role": None}, 422, "validation_failed"),
        (admin, agent_id, {"active": None}, 422, "validation_failed"),
        (admin, agent_id, {"password_hash": "x"}, 422, "validation_failed"),
    ]
    for headers, target, body, status, code in cases:
        r = await client.patch(f"/users/{target}", headers=headers, json=body)
        assert r.status_code == status and r.json()["code"] == code, (body, r.text)
    assert (await client.patch("/users/0", headers=admin, json={"active": True})).status_code == 422
    after = await _user_row(app, agent_id)
    assert (after.role, after.unit_id, after.active, after.token_version) == (
        before.role, before.unit_id, before.active, before.token_version)
    assert await _audit(app, "account.update") == []
    assert (await client.get("/me", headers=admin)).status_code == 200  # refusing the admin revoked nothing


# Rate limits: the defaults are on (generous); these tests start an app with tight ones.

@contextlib.asynccontextmanager
async def _app_with(db_url: str, tmp_path: Path, clock, **overrides: Any) -> AsyncIterator[Any]:
    settings = _settings(db_url, tmp_path).model_copy(update=overrides)
    application = create_app(settings, clock=clock, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


def _client(application, ip: str = "203.0.113.7") -> AsyncClient:
    return AsyncClient(transport=ASGITransport(app=application, client=(ip, 40000)), base_url="http://test")


async def _from(application, ip: str, method: str, url: str, **kwargs: Any):
    """One request from a client at `ip`."""
    async with _client(application, ip) as http:
        return await http.request(method, url, **kwargs)


def _assert_limited(r, retry_after: int) -> None:
    assert r.status_code == 429 and r.headers["retry-after"] == str(retry_after), r.text
    assert r.headers["content-type"].startswith("application/problem+json")
    assert r.json()["code"] == "rate_limited" and r.json()["retry_after"] == retry_after


async def test_rate_limits_are_on_by_default(client, app):
    assert app.state.settings.rate_limits_enabled
    per_username = parse_rate(app.state.settings.rate_limit_login_per_username).count
    for _ in range(per_username):
        r = await client.post("/auth/token", data={"username": "nobody", "password": "x"})
        assert r.status_code == 401
    r = await client.post("/auth/token", data={"username": "nobody", "password": "x"})
    assert r.status_code == 429 and int(r.headers["retry-after"]) >= 1


async def test_login_is_limited_per_address_and_a_refusal_writes_nothing(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limit_login_per_ip="3/minute") as application:
        async with _client(application) as http, _client(application, "198.51.100.1") as other:
            for name in ("a", "b", "c"):
                assert (await http.post("/auth/token", data={"username": name, "password": "x"})).status_code == 401
            r = await http.post("/auth/token", data={"username": "d", "password": "x"},
                                headers={"Accept-Language": "en"})
            _assert_limited(r, 20)  # one token every 60/3 seconds
            assert "20 seconds" in r.json()["detail"]
            assert (await other.post("/auth/token", data={"username": "d", "password": "x"})).status_code == 401
            assert len(await _audit(application, "auth.login")) == 4  # the refused attempt left no trace
            clock.advance(seconds=19)
            assert (await http.post("/auth/token", data={"username": "d", "password": "x"})).status_code == 429
            clock.advance(seconds=1)
            assert (await http.post("/auth/token", data={"username": "d", "password": "x"})).status_code == 401


async def test_login_is_limited_per_username_across_addresses(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limit_login_per_username="2/minute") as application:
        assert (await _from(application, "198.51.100.1", "POST", "/auth/register", json=RESIDENT)).status_code == 201
        for ip in ("198.51.100.1", "198.51.100.2"):
            r = await _from(application, ip, "POST", "/auth/token", data={"username": RESIDENT["phone"],
                                                                          "password": "Wrong#Pass1"})
            assert r.status_code == 401
        # The same number written another way is the same account.
        r = await _from(application, "198.51.100.3", "POST", "/auth/token",
                        data={"username": "+86 139-1234-5678", "password": "Wrong#Pass1"})
        _assert_limited(r, 30)
        async with application.state.sessionmaker() as s:
            row = (await s.execute(select(User).where(User.username == RESIDENT["phone"]))).scalar_one()
        assert row.failed_logins == 2  # the refused guess was never checked
        r = await _from(application, "198.51.100.3", "POST", "/auth/token", data={"username": "other",
                                                                                   "password": "x"})
        assert r.status_code == 401


async def test_registration_is_limited_per_address(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limit_register_per_ip="2/hour") as application:
        async with _client(application) as http:
            assert (await http.post("/auth/register", json=RESIDENT)).status_code == 201
            assert (await http.post("/auth/register", json={**RESIDENT, "password": "weak"})).status_code == 422
            r = await http.post("/auth/register", json={**RESIDENT, "phone": "13912345679"})
            _assert_limited(r, 1800)
        assert await count_users(application) == 1
        elsewhere = await _from(application, "198.51.100.9", "POST", "/auth/register",
                                json={**RESIDENT, "phone": "13912345679"})
        assert elsewhere.status_code == 201


async def test_residents_reports_are_limited_per_account_not_staff(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limit_report_per_user="1/hour") as application:
        async with _client(application) as http:
            resident = await login_as(application, "resident")
            neighbour = await login_as(application, "resident")
            agent = await login_as(application, "agent")
            await case(http, resident)
            r = await http.post("/cases", json=NOISE_CASE, headers=resident)
            _assert_limited(r, 3600)
            report = {"description": NOISE_CASE["description"], "region_code": NOISE_CASE["region_code"],
                      "address": NOISE_CASE["address"], "category": "env.noise"}
            _assert_limited(await http.post("/reports", json=report, headers=resident), 3600)
            await case(http, neighbour)  # the same address, another account
            for _ in range(3):
                await case(http, agent)  # a hotline agent logging calls is not limited
            anonymous = await http.post("/cases", json=NOISE_CASE)
            assert anonymous.status_code == 401 and anonymous.json()["code"] == "auth_required"


async def test_open311_limit_answers_in_the_specs_error_document(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limit_open311_per_key="2/minute") as application:
        async with _client(application) as http:
            key = (await http.post("/admin/api-keys", json={"name": "随手拍", "kind": "open311"},
                                   headers=await login_as(application, "admin"))).json()["key"]
            assert (await http.post("/open311/v2/requests.json", data={"api_key": key})).status_code == 400
            assert (await http.post("/open311/v2/requests.json", params={"api_key": key})).status_code == 400
            r = await http.post("/open311/v2/requests.json", data={"api_key": key})
            assert r.status_code == 429 and r.headers["retry-after"] == "30"
            assert r.json() == [{"code": 429, "description": "too many requests; retry after 30 seconds"}]
            r = await http.post("/open311/v2/requests.xml", data={"api_key": key})
            assert r.status_code == 429 and r.headers["retry-after"] == "30"
            error = ET.fromstring(r.content).find("error")
            assert (error.find("code").text, r.headers["content-type"]) == ("429", "text/xml; charset=utf-8")
            # Another key from another partner is counted apart.
            r = await http.post("/open311/v2/requests.json", data={"api_key": "another-key"})
            assert r.status_code == 403


async def test_open311_is_limited_per_address_whatever_the_key(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limit_open311_per_ip="2/minute") as application:
        async with _client(application) as http:
            for n in range(2):
                assert (await http.post("/open311/v2/requests.json", data={"api_key": f"k{n}"})).status_code == 403
            r = await http.post("/open311/v2/requests.json", data={"api_key": "k3"})
            assert r.status_code == 429 and r.json()[0]["code"] == 429


async def test_limits_can_be_switched_off(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, rate_limits_enabled=False,
                         rate_limit_login_per_ip="1/hour") as application:
        async with _client(application) as http:
            for _ in range(3):
                assert (await http.post("/auth/token", data={"username": "x", "password": "y"})).status_code == 401


async def test_a_mistyped_rate_stops_the_start(db_url, tmp_path, clock):
    with pytest.raises(ValueError, match="30/minute"):
        create_app(_settings(db_url, tmp_path).model_copy(update={"rate_limit_login_per_ip": "lots"}), clock=clock)


async def test_metrics_need_the_scrape_token_when_one_is_set(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, metrics_token="scrape-7f3a9c") as application:
        async with _client(application) as http:
            for auth in (None, "Bearer wrong", "Basic scrape-7f3a9c", "Bearer scrape-7f3a9", "Bearer"):
                r = await http.get("/metrics", headers={"Authorization": auth} if auth else {})
                assert (r.status_code, r.json()["code"]) == (401, "auth_required"), auth
                assert r.headers["www-authenticate"] == "Bearer" and "http_requests_total" not in r.text
            r = await http.get("/metrics", headers={"Authorization": "Bearer scrape-7f3a9c"})
            assert r.status_code == 200 and "http_requests_total" in r.text


# Security headers and CORS.

async def test_every_answer_carries_the_security_headers(client):
    for method, url in (("GET", "/healthz"), ("GET", "/me"), ("GET", "/no-such-route"), ("GET", "/openapi.json"),
                        ("POST", "/auth/token")):
        r = await client.request(method, url)
        assert r.headers["x-content-type-options"] == "nosniff", url
        assert r.headers["x-frame-options"] == "DENY"
        assert r.headers["referrer-policy"] == "no-referrer"
        assert r.headers["content-security-policy"] == API_CSP
        assert r.headers["cache-control"] == "no-store"
        assert r.headers["strict-transport-security"].startswith("max-age=31536000")


async def test_the_docs_page_still_works_under_its_policy(client):
    page = await client.get("/docs")
    assert page.status_code == 200
    policy = page.headers["content-security-policy"]
    assert "script-src 'self' 'unsafe-inline'" in policy and "frame-ancestors 'none'" in policy
    scripts = re.findall(r'<script src="([^"]+)"', page.text)
    styles = re.findall(r'<link type="text/css" rel="stylesheet" href="([^"]+)"', page.text)
    assert scripts and styles and all(src.startswith("/docs-assets/") for src in scripts + styles)  # 'self'
    assert "connect-src 'self'" in policy and "/openapi.json" in page.text
    asset = await client.get(scripts[0])
    assert asset.status_code == 200 and "cache-control" not in asset.headers  # local assets may be cached
    assert asset.headers["x-content-type-options"] == "nosniff"
    assert (await client.get("/docs/oauth2-redirect")).headers["content-security-policy"] == policy


async def test_hsts_can_be_left_out(db_url, tmp_path, clock):
    async with _app_with(db_url, tmp_path, clock, hsts_seconds=0) as application:
        r = await _from(application, "203.0.113.7", "GET", "/healthz")
        assert "strict-transport-security" not in r.headers and r.headers["x-frame-options"] == "DENY"


async def test_an_endpoints_own_cache_policy_wins():
    async def endpoint(scope, receive, send):
        await send({"type": "http.response.start", "status": 200, "headers": [(b"cache-control", b"max-age=60")]})
        await send({"type": "http.response.body", "body": b"ok"})

    middleware = SecurityHeadersMiddleware(endpoint, hsts_seconds=0)
    async with AsyncClient(transport=ASGITransport(app=middleware), base_url="http://test") as http:
        r = await http.get("/guide")
    assert r.headers.get_list("cache-control") == ["max-age=60"] and r.headers["x-frame-options"] == "DENY"


async def test_cors_is_closed_by_default(client):
    r = await client.get("/healthz", headers={"Origin": "https://app.example"})
    assert r.status_code == 200 and "access-control-allow-origin" not in r.headers
    preflight = await client.options("/auth/token", headers={"Origin": "https://app.example",
                                                             "Access-Control-Request-Method": "POST"})
    assert preflight.status_code == 405 and "access-control-allow-origin" not in preflight.headers


async def test_cors_allows_exactly_the_configured_origins(db_url, tmp_path, clock):
    async with (_app_with(db_url, tmp_path, clock, cors_origins=["https://app.example"]) as application,
                _client(application) as http):
        r = await http.get("/healthz", headers={"Origin": "https://app.example"})
        assert r.headers["access-control-allow-origin"] == "https://app.example"
        assert "ETag" in r.headers["access-control-expose-headers"]
        assert r.headers["x-frame-options"] == "DENY"
        ask = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "Authorization"}
        ok = await http.options("/auth/token", headers={"Origin": "https://app.example", **ask})
        assert ok.status_code == 200 and ok.headers["access-control-allow-origin"] == "https://app.example"
        assert "POST" in ok.headers["access-control-allow-methods"]
        for origin in ("https://evil.example", "https://app.example.evil.example", "http://app.example"):
            r = await http.get("/healthz", headers={"Origin": origin})
            assert "access-control-allow-origin" not in r.headers, origin
            refused = await http.options("/auth/token", headers={"Origin": origin, **ask})
            assert refused.status_code == 400 and "access-control-allow-origin" not in refused.headers
