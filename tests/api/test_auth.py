from datetime import timedelta

from sqlalchemy import func, select

from app.core.security import issue_token
from app.models import AuditLog, User

GOOD = {"phone": "13912345678", "password": "Good#Pass1", "name": "李阿姨"}


async def count_users(app) -> int:
    async with app.state.sessionmaker() as s:
        return (await s.execute(select(func.count()).select_from(User))).scalar_one()


async def test_register_login_me(client):
    r = await client.post("/auth/register", json=GOOD)
    assert r.status_code == 201, r.text
    assert r.json()["username"] == "13912345678" and r.json()["role"] == "resident"
    assert "password" not in r.text and "password_hash" not in r.text
    t = await client.post("/auth/token", data={"username": "13912345678", "password": "Good#Pass1"})
    assert t.status_code == 200
    body = t.json()
    assert body["token_type"] == "bearer" and body["expires_in"] > 0
    me = await client.get("/me", headers={"Authorization": f"Bearer {body['access_token']}"})
    assert me.json()["name"] == "李阿姨"


async def test_register_bad_inputs_write_nothing(client, app):
    before = await count_users(app)
    cases = [
        ({**GOOD, "phone": "12345"}, 422, "validation_failed"),
        ({**GOOD, "phone": "12345678901"}, 422, "phone_invalid"),
        ({**GOOD, "password": "weakpass"}, 422, "password_weak"),
        ({**GOOD, "extra": 1}, 422, "validation_failed"),
        ({"phone": "13912345678", "password": "Good#Pass1"}, 422, "validation_failed"),
        ({**GOOD, "name": "x" * 65}, 422, "validation_failed"),
        ({**GOOD, "phone": 13912345678}, 422, "validation_failed"),
    ]
    for payload, status, code in cases:
        r = await client.post("/auth/register", json=payload)
        assert r.status_code == status, (payload, r.text)
        assert r.headers["content-type"].startswith("application/problem+json")
        assert r.json()["code"] == code
    assert await count_users(app) == before
    unknown = await client.post("/auth/register", json={**GOOD, "extra": 1})
    assert unknown.json()["errors"][0]["field"] == "extra"
    assert unknown.json()["errors"][0]["code"] == "extra_forbidden"


async def test_malformed_json(client):
    r = await client.post("/auth/register", content=b"{not json", headers={"Content-Type": "application/json"})
    assert r.status_code == 400 and r.json()["code"] == "malformed_json"


async def test_duplicate_username(client, app):
    assert (await client.post("/auth/register", json=GOOD)).status_code == 201
    r = await client.post("/auth/register", json={**GOOD, "phone": "+86 139 1234 5678"})
    assert r.status_code == 409 and r.json()["code"] == "username_taken"
    assert await count_users(app) == 1


async def test_messages_follow_accept_language(client):
    zh = await client.post("/auth/register", json={**GOOD, "password": "weak"})
    en = await client.post("/auth/register", json={**GOOD, "password": "weak"}, headers={"Accept-Language": "en-US"})
    assert "密码" in zh.json()["detail"]
    assert "password" in en.json()["detail"].lower()
    assert zh.json()["code"] == en.json()["code"] == "password_weak"


async def test_lockout_after_five_failures_and_it_holds(client, app, clock):
    await client.post("/auth/register", json=GOOD)
    for attempt in range(4):
        r = await client.post("/auth/token", data={"username": GOOD["phone"], "password": "Wrong#Pass1"})
        assert r.status_code == 401 and r.json()["code"] == "auth_invalid_credentials"
        assert r.json()["attempts_left"] == 4 - attempt
    r = await client.post("/auth/token", data={"username": GOOD["phone"], "password": "Wrong#Pass1"})
    assert r.status_code == 423 and r.json()["code"] == "auth_account_locked" and r.json()["locked_until"]
    # The right password does not open a locked account.
    r = await client.post("/auth/token", data={"username": GOOD["phone"], "password": GOOD["password"]})
    assert r.status_code == 423
    clock.advance(minutes=14)
    assert (await client.post("/auth/token", data={"username": GOOD["phone"],
                                                   "password": GOOD["password"]})).status_code == 423
    clock.advance(minutes=2)
    assert (await client.post("/auth/token", data={"username": GOOD["phone"],
                                                   "password": GOOD["password"]})).status_code == 200
    async with app.state.sessionmaker() as s:
        results = list((await s.execute(select(AuditLog.result).where(AuditLog.action == "auth.login"))).scalars())
    assert results.count("fail") == 5 and results.count("locked") == 2 and results.count("ok") == 1


async def test_unknown_user_and_tokens(client, app, clock):
    r = await client.post("/auth/token", data={"username": "nobody", "password": "x"})
    assert r.status_code == 401 and r.json()["code"] == "auth_invalid_credentials"
    assert (await client.get("/me")).json()["code"] == "auth_required"
    forged = issue_token("not-the-secret" * 3, user_id=1, role="admin", now=clock.now(), ttl=timedelta(hours=1))
    r = await client.get("/me", headers={"Authorization": f"Bearer {forged}"})
    assert r.status_code == 401 and r.json()["code"] == "auth_token_invalid"
    await client.post("/auth/register", json=GOOD)
    token = (await client.post("/auth/token", data={"username": GOOD["phone"],
                                                    "password": GOOD["password"]})).json()["access_token"]
    clock.advance(hours=3)
    r = await client.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401 and r.json()["code"] == "auth_token_expired"
    r = await client.get("/me", headers={"Authorization": "Bearer garbage"})
    assert r.json()["code"] == "auth_token_invalid"
