import asyncio
import hashlib
import json

from sqlalchemy import func, select

from app.models import Case, CaseEvent, IdempotencyKey
from tests import factories as f


async def test_two_concurrent_sign_fors_exactly_one_wins(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    eco = case["lead_unit"]["id"]
    first = await f.login_as(app, "unit_staff", unit=eco)
    second = await f.login_as(app, "unit_staff", unit=eco)
    url = f"/cases/{case['id']}/actions/sign"
    results = await asyncio.gather(
        client.post(url, json={}, headers={**first, "If-Match": '"1"'}),
        client.post(url, json={}, headers={**second, "If-Match": '"1"'}),
    )
    codes = sorted(r.status_code for r in results)
    assert codes[0] == 200 and codes[1] in (409, 412), [r.text for r in results]
    async with app.state.sessionmaker() as s:
        signs = (await s.execute(select(func.count()).select_from(CaseEvent)
                                 .where(CaseEvent.case_id == case["id"], CaseEvent.type == "sign"))).scalar_one()
        assert signs == 1
        assert (await s.get(Case, case["id"])).version == 2


async def test_idempotent_create(client, app):
    agent = await f.login_as(app, "agent")
    headers = {**agent, "Idempotency-Key": "call-20261123-0001"}
    one = await client.post("/cases", json=f.NOISE_CASE, headers=headers)
    two = await client.post("/cases", json=f.NOISE_CASE, headers=headers)
    assert one.status_code == two.status_code == 201
    assert one.json()["id"] == two.json()["id"] and two.headers.get("idempotent-replayed") == "true"
    other = await client.post("/cases", json={**f.NOISE_CASE, "description": "另一件事情，路灯不亮"},
                              headers=headers)
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Case))).scalar_one() == 1
    # Keys are per user: another agent may use the same key.
    colleague = await f.login_as(app, "agent")
    r = await client.post("/cases", json=f.NOISE_CASE, headers={**colleague, "Idempotency-Key": "call-20261123-0001"})
    assert r.status_code == 201 and r.json()["id"] != one.json()["id"]


async def test_in_flight_duplicate_is_409(client, app, clock):
    agent = await f.login_as(app, "agent")
    user_id = int((await client.get("/me", headers=agent)).json()["id"])
    body = json.dumps(f.NOISE_CASE).encode()
    async with app.state.sessionmaker() as s:
        digest = hashlib.sha256(b"POST /cases\n" + body).hexdigest()
        s.add(IdempotencyKey(user_id=user_id, key="k1", method="POST", path="/cases", request_hash=digest,
                             created_at=clock.now(), expires_at=clock.now().replace(year=2027)))
        await s.commit()
    r = await client.post("/cases", content=body, headers={**agent, "Idempotency-Key": "k1",
                                                            "Content-Type": "application/json"})
    assert r.status_code == 409 and r.json()["code"] == "idempotency_in_flight"


async def test_an_expired_key_is_claimed_afresh(client, app, clock):
    agent = await f.login_as(app, "agent")
    headers = {**agent, "Idempotency-Key": "call-kept-a-day"}
    first = await client.post("/cases", json=f.NOISE_CASE, headers=headers)
    clock.advance(hours=23)
    replay = await client.post("/cases", json=f.NOISE_CASE, headers=headers)
    assert replay.json()["id"] == first.json()["id"] and replay.headers.get("idempotent-replayed") == "true"
    clock.advance(hours=2)  # past the 24 hours a key is kept: the same key and another body open a new case
    later = await client.post("/cases", json={**f.NOISE_CASE, "description": "另一件事情，路灯不亮"}, headers=headers)
    assert later.status_code == 201 and later.json()["id"] != first.json()["id"]
    assert "idempotent-replayed" not in later.headers
    async with app.state.sessionmaker() as s:
        rows = (await s.execute(select(IdempotencyKey).where(IdempotencyKey.key == "call-kept-a-day"))).scalars()
        assert [(r.state, r.response_body["id"]) for r in rows] == [("done", later.json()["id"])]


async def test_failed_request_releases_its_key(client, app):
    agent = await f.login_as(app, "agent")
    headers = {**agent, "Idempotency-Key": "retry-me"}
    bad = await client.post("/cases", json={**f.NOISE_CASE, "region_code": "440304001000"}, headers=headers)
    assert bad.status_code == 422
    good = await client.post("/cases", json=f.NOISE_CASE, headers=headers)
    assert good.status_code == 201
    bad_key = await client.post("/cases", json=f.NOISE_CASE, headers={**agent, "Idempotency-Key": "has space"})
    assert bad_key.status_code == 400 and bad_key.json()["code"] == "idempotency_key_invalid"


# Real concurrency: asyncio.gather through the ASGI client runs the requests interleaved, each with its own
# session and its own pooled connection, so on PostgreSQL they race in the database as separate clients would
# (on SQLite the writers queue behind BEGIN IMMEDIATE, which must give the same outcome). Concurrent time-bank
# redemptions are in test_volunteer_tasks_and_timebank.py (test_concurrent_redemptions_never_overdraw).


async def test_32_concurrent_creates_under_one_key_make_one_case(client, app):
    agent = await f.login_as(app, "agent")
    headers = {**agent, "Idempotency-Key": "call-20261123-burst"}
    responses = await asyncio.gather(*(client.post("/cases", json=f.NOISE_CASE, headers=headers)
                                       for _ in range(32)))
    codes = [r.status_code for r in responses]
    assert all(c in (201, 409) for c in codes), [r.text for r in responses if r.status_code not in (201, 409)]
    created = {r.json()["id"] for r in responses if r.status_code == 201}
    assert len(created) == 1 and 201 in codes
    assert {r.json()["code"] for r in responses if r.status_code == 409} <= {"idempotency_in_flight"}
    async with app.state.sessionmaker() as s:
        assert (await s.execute(select(func.count()).select_from(Case))).scalar_one() == 1
        creates = (await s.execute(select(func.count()).select_from(CaseEvent)
                                   .where(CaseEvent.type == "create"))).scalar_one()
        assert creates == 1
    # After the burst the key answers with the one case, every time.
    again = await client.post("/cases", json=f.NOISE_CASE, headers=headers)
    assert (again.status_code, again.json()["id"]) == (201, created.pop())


async def test_16_concurrent_actions_on_one_etag_apply_once(client, app):
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    dispatchers = [await f.login_as(app, "dispatcher") for _ in range(16)]
    url = f"/cases/{case['id']}/actions/mark_major"
    etag = f'"{case["version"]}"'

    def body(i: int) -> dict:
        return {"leader": f"副区长{i}", "team": ["城管", "生态环境"], "plan": "联合执法，夜间停工",
                "resolve_by": "2026-12-31"}

    responses = await asyncio.gather(*(client.post(url, json=body(i), headers={**d, "If-Match": etag})
                                       for i, d in enumerate(dispatchers)))
    codes = sorted(r.status_code for r in responses)
    assert codes == [200] + [412] * 15, [r.text for r in responses if r.status_code not in (200, 412)]
    winner = next(r.json() for r in responses if r.status_code == 200)
    async with app.state.sessionmaker() as s:
        marks = (await s.execute(select(CaseEvent).where(CaseEvent.case_id == case["id"],
                                                         CaseEvent.type == "mark_major"))).scalars().all()
        stored = await s.get(Case, case["id"])
        assert len(marks) == 1 and stored.version == case["version"] + 1
        # Nothing lost or mixed: the one event, the case and the winner's answer tell the same story.
        assert marks[0].data["major"]["leader"] == stored.major["leader"] == winner["major"]["leader"]
