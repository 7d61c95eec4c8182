"""A unit's own system through its API key: signed calls acting as the unit's staff would, idempotent retries,
refusals of unsigned, forged, stale and replayed calls, revocation."""

import json

from app.delivery import rules
from app.delivery.keys import signed_content
from tests import factories as f

ECO_BUREAU = "440304000000"


async def _key(client, app, **body) -> dict:
    r = await client.post("/admin/api-keys", json=body, headers=await f.login_as(app, "admin"))
    assert r.status_code == 201, r.text
    return r.json()


def _signed(key: dict, method: str, path: str, body: dict | None, timestamp: int, **extra: str) -> tuple[bytes,
                                                                                                          dict]:
    raw = json.dumps(body or {}, ensure_ascii=False).encode()
    signature = rules.sign(key["signing_secret"], timestamp, signed_content(method, path, "", raw))
    return raw, {"X-API-Key": key["key"], rules.TIMESTAMP_HEADER: str(timestamp),
                 rules.SIGNATURE_HEADER: signature, "Content-Type": "application/json", **extra}


async def test_a_units_system_signs_for_and_replies_to_its_case(client, app, clock):
    unit = await f.unit_by_kind(app, ECO_BUREAU, "ecology_environment_bureau")
    key = await _key(client, app, name="生态环境局业务系统", kind="unit", unit_id=unit)
    assert key["key"].startswith(key["prefix"]) and key["signing_secret"]
    case = await f.case(client, await f.login_as(app, "agent"))
    now = int(clock.now().timestamp())
    path = f"/cases/{case['id']}/actions/sign"

    first = {"If-Match": '"1"', "Idempotency-Key": "s-1"}
    raw, headers = _signed(key, "POST", path, {"note": "已接收"}, now, **first)
    r = await client.post(path, content=raw, headers=headers)
    assert (r.status_code, r.json()["status"]) == (200, "signed"), r.text
    assert r.json()["timeline"][-1]["actor_role"] == "unit_staff"
    again = await client.post(path, content=raw, headers=headers)
    assert (again.status_code, again.json()["code"]) == (401, "request_replayed")
    raw, headers = _signed(key, "POST", path, {"note": "已接收"}, now + 1, **first)
    retry = await client.post(path, content=raw, headers=headers)  # a lost answer, retried: the first answer again
    assert (retry.status_code, retry.headers.get("Idempotent-Replayed"), retry.json()["version"]) == (
        200, "true", r.json()["version"])

    for action, body in (("start", {}), ("reply", {"text": "经现场核查，工地已停止夜间施工", "signer": "李科长"})):
        path = f"/cases/{case['id']}/actions/{action}"
        version = (await client.get(f"/cases/{case['id']}", headers=await f.login_as(app, "agent"))).json()["version"]
        raw, headers = _signed(key, "POST", path, body, now + 2, **{"If-Match": f'"{version}"'})
        r = await client.post(path, content=raw, headers=headers)
        assert r.status_code == 200, r.text
    assert r.json()["status"] == "replied"


async def test_unsigned_forged_stale_replayed_and_revoked_calls_are_refused(client, app, clock):
    unit = await f.unit_by_kind(app, ECO_BUREAU, "ecology_environment_bureau")
    key = await _key(client, app, name="生态环境局业务系统", kind="unit", unit_id=unit)
    open311 = await _key(client, app, name="市民随手拍", kind="open311")
    assert open311["signing_secret"] is None
    case = await f.case(client, await f.login_as(app, "agent"))
    other = await f.case(client, await f.login_as(app, "agent"), category="housing.rental",
                         description="房东拒不退还押金，多次协商未果，请求协调处理")
    now = int(clock.now().timestamp())
    path = f"/cases/{case['id']}/actions/sign"
    raw, good = _signed(key, "POST", path, {}, now, **{"If-Match": '"1"'})
    for headers, code in (
        ({"X-API-Key": key["key"], "If-Match": '"1"'}, "signature_required"),
        ({**good, rules.SIGNATURE_HEADER: "sha256=" + "0" * 64}, "signature_invalid"),
        ({**good, "X-API-Key": "csc_not-a-key"}, "api_key_invalid"),
        ({**good, "X-API-Key": open311["key"]}, "api_key_invalid"),
        (_signed(key, "POST", path, {}, now - 301, **{"If-Match": '"1"'})[1], "signature_expired"),
        (_signed(key, "POST", f"/cases/{other['id']}/actions/sign", {}, now, **{"If-Match": '"1"'})[1],
         "signature_invalid"),  # signed for another path
    ):
        r = await client.post(path, content=raw, headers=headers)
        assert (r.status_code, r.json()["code"]) == (401, code), (code, r.text)
    r = await client.get(f"/cases/{case['id']}", headers=await f.login_as(app, "agent"))
    assert (r.json()["status"], r.json()["version"]) == ("dispatched", 1)  # nothing written

    other_path = f"/cases/{other['id']}/actions/sign"
    raw, headers = _signed(key, "POST", other_path, {}, now, **{"If-Match": '"1"'})
    r = await client.post(other_path, content=raw, headers=headers)
    assert r.status_code == 404  # not the unit's case

    admin = await f.login_as(app, "admin")
    listed = (await client.get("/admin/api-keys", headers=admin)).json()
    assert [k["prefix"] for k in listed] == [key["prefix"], open311["prefix"]] and key["key"] not in str(listed)
    r = await client.delete(f"/admin/api-keys/{key['id']}", headers=admin)
    assert r.json()["revoked_at"] is not None
    raw, headers = _signed(key, "POST", path, {}, now + 5, **{"If-Match": '"1"'})
    r = await client.post(path, content=raw, headers=headers)
    assert (r.status_code, r.json()["code"]) == (401, "api_key_revoked")
    r = await client.post("/admin/api-keys", json={"name": "x系统", "kind": "unit"}, headers=admin)
    assert (r.status_code, r.json()["code"]) == (422, "unit_not_found")
