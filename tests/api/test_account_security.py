"""Tokens end when they should: expiry, logout, password change, and an administrator changing the account."""

from sqlalchemy import select

from app.models import AuditLog, User
from tests.factories import PASSWORD, login_as, unit_by_kind, user

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
