"""The live feed delivers each event as it happens, and only to those who may see it."""

import asyncio
import contextlib
import json
import socket
from datetime import UTC, datetime

import httpx
import uvicorn

from app.supervision.service import sweep
from tests import factories as f

FUTIAN, NANSHAN = "440304000000", "440305000000"


async def test_poll_is_scoped_to_the_subscriber(client, app):
    agent = await f.login_as(app, "agent")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    nanshan_eco = await f.unit_by_kind(app, NANSHAN, "ecology_environment_bureau")
    nanshan_staff = await f.login_as(app, "unit_staff", unit=nanshan_eco)
    futian_case = await f.case(client, agent)
    nanshan_case = await f.case(client, agent, region_code="440305007003", address="科技园社区")
    mine = (await client.get("/feed/events", headers=eco_staff)).json()
    assert {e["case"]["id"] for e in mine["items"]} == {futian_case["id"]}
    assert [e["type"] for e in mine["items"]] == ["create", "dispatch"]
    theirs = (await client.get("/feed/events", headers=nanshan_staff)).json()
    assert {e["case"]["id"] for e in theirs["items"]} == {nanshan_case["id"]}
    wall = (await client.get("/feed/events", params={"types": "dispatch"}, headers=agent)).json()
    assert [e["case"]["id"] for e in wall["items"]] == [futian_case["id"], nanshan_case["id"]]
    after = (await client.get("/feed/events", params={"after": wall["last_id"]}, headers=agent)).json()
    assert after["items"] == [] and after["last_id"] == wall["last_id"]
    # No personal data on the wall.
    assert "13800138000" not in json.dumps(mine) and "caller_phone" not in json.dumps(mine)


async def test_feed_bad_input(client, app):
    agent = await f.login_as(app, "agent")
    resident = await f.login_as(app, "resident")
    assert (await client.get("/feed/events", headers=resident)).status_code == 403
    assert (await client.get("/feed/events")).status_code == 401
    bad = await client.get("/feed/events", params={"types": "dispatch,gossip"}, headers=agent)
    assert bad.status_code == 422 and bad.json()["code"] == "query_invalid"
    assert (await client.get("/feed/events", params={"after": -1}, headers=agent)).status_code == 422


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextlib.asynccontextmanager
async def _serving(app):
    """The app behind a real HTTP server in this event loop (SSE needs a real stream)."""
    port = _free_port()
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, lifespan="off", log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:  # noqa: ASYNC110 - uvicorn exposes a flag, not an event
        await asyncio.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        await task


async def _read_events(response: httpx.Response, want: int) -> list[dict]:
    got, current = [], {}
    async for line in response.aiter_lines():
        if not line:
            if "data" in current:
                got.append({"sse_event": current.get("event"), "sse_id": current.get("id"),
                            **json.loads(current["data"])})
                if len(got) == want:
                    return got
            current = {}
        elif not line.startswith(":"):
            key, _, value = line.partition(":")
            current[key] = value.strip()
    return got


async def test_stream_delivers_events_as_they_happen_and_only_in_scope(client, app, clock):
    agent = await f.login_as(app, "agent")
    eco = await f.unit_by_kind(app, FUTIAN, "ecology_environment_bureau")
    eco_staff = await f.login_as(app, "unit_staff", unit=eco)
    async with _serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as http:
        async with http.stream("GET", "/feed/stream", headers=eco_staff) as unit_stream, \
                http.stream("GET", "/feed/stream", params={"types": "create,handle_overdue,supervise,callback"},
                            headers=agent) as wall_stream:
            assert unit_stream.status_code == 200
            assert unit_stream.headers["content-type"].startswith("text/event-stream")
            await asyncio.sleep(0.2)  # both subscribed before anything happens
            await f.case(client, agent, region_code="440305007003", address="科技园社区")  # not eco's
            case = await f.case(client, agent)
            clock.set(datetime(2026, 12, 2, 2, 0, tzinfo=UTC))
            await sweep(app.state)
            wall = await asyncio.wait_for(_read_events(wall_stream, 3), 10)
            unit = await asyncio.wait_for(_read_events(unit_stream, 5), 10)
    assert [e["type"] for e in wall] == ["create", "create", "handle_overdue"]
    assert [e["type"] for e in unit] == ["create", "dispatch", "sign_overdue", "handle_overdue", "chase"]
    assert {e["case"]["id"] for e in unit} == {case["id"]}
    assert all(e["sse_id"] == str(e["id"]) and e["sse_event"] == e["type"] for e in unit + wall)
