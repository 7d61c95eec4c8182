"""Async factories for tests: accounts, tokens and cases, through the real services and API."""

import asyncio
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select

from app.accounts.service import create_user
from app.core.security import issue_token
from app.models import OutboxEvent, Unit, User

PASSWORD = "Test#Pass2026"


async def unit_id(app, code: str) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(Unit.id).where(Unit.code == code))).scalar_one()


async def unit_by_kind(app, region_code: str, kind: str) -> int:
    return await unit_id(app, f"{region_code}-{kind}")


async def user(app, role: str, *, username: str | None = None, unit: int | None = None, name: str = "测试") -> int:
    async with app.state.sessionmaker() as session:
        created = await create_user(session, app.state.settings, username=username or f"{role}-{uuid.uuid4().hex[:12]}",
                                    password=PASSWORD, name=name, role=role, unit_id=unit,
                                    now=app.state.clock.now())
        await session.commit()
        return created.id


def bearer(app, user_id: int, role: str) -> dict[str, str]:
    # Tests travel in time: 60 days, or what the app's test set-up asks (the simulation runs a year).
    ttl = getattr(app.state, "test_token_ttl", timedelta(days=60))
    token = issue_token(app.state.keys.jwt_secret, user_id=user_id, role=role, now=app.state.clock.now(), ttl=ttl)
    return {"Authorization": f"Bearer {token}"}


async def leader(app, unit: int, name: str) -> tuple[int, dict[str, str]]:
    """A unit's leader (站长, 主任: who may override a rule's result): (their user id, their headers)."""
    uid = await user(app, "unit_staff", unit=unit, name=name)
    async with app.state.sessionmaker() as session:
        (await session.get(User, uid)).leader = True
        await session.commit()
    return uid, bearer(app, uid, "unit_staff")


async def login_as(app, role: str, *, unit: int | None = None, username: str | None = None) -> dict[str, str]:
    uid = await user(app, role, unit=unit, username=username)
    return bearer(app, uid, role)


# A caller's complaint as an agent logs it (POST /hotline/orders): placed by its address, classified by its words.
HOTLINE_CALL: dict[str, Any] = {
    "caller_phone": "13800138000",
    "caller_name": "张先生",
    "work_order_type": "投诉",
    "description": "园岭街道红荔社区旁边的工地每天晚上十一点多还在打桩，吵得老人孩子都睡不着觉",
    "address": "福田区园岭街道红荔社区红荔路1001号",
}

NOISE_CASE: dict[str, Any] = {
    "category": "env.noise",
    "work_order_type": "complaint",
    "description": "楼下工地晚上十一点还在施工，噪音很大，影响休息",
    "region_code": "440304001020",
    "address": "南园街道南园社区某小区",
    "caller_phone": "13800138000",
    "caller_name": "张先生",
}


async def case(client, headers: dict[str, str], **overrides: Any) -> dict[str, Any]:
    response = await client.post("/cases", json={**NOISE_CASE, **overrides}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


async def desk(client, app, case_id: int) -> dict[str, Any]:
    """The whole record of a case as the centre's desk reads it (a resident's own answers are curated)."""
    response = await client.get(f"/cases/{case_id}", headers=await login_as(app, "dispatcher"))
    assert response.status_code == 200, response.text
    return response.json()


async def act(client, headers: dict[str, str], case_body: dict[str, Any], action: str,
              body: dict[str, Any] | None = None, *, expect: int = 200) -> dict[str, Any]:
    response = await client.post(f"/cases/{case_body['id']}/actions/{action}", json=body or {},
                                 headers={**headers, "If-Match": f'"{case_body["version"]}"'})
    assert response.status_code == expect, response.text
    return response.json()


async def act_latest(client, headers: dict[str, str], case_id: int, action: str,
                     body: dict[str, Any] | None = None, *, expect: int = 200) -> dict[str, Any]:
    """An action on the case as it stands now (its current version as If-Match)."""
    current = (await client.get(f"/cases/{case_id}", headers=headers)).json()
    return await act(client, headers, current, action, body, expect=expect)


async def all_pages(client, url: str, params: dict[str, Any], headers: dict[str, str] | None = None) -> list[dict]:
    """Follows next_cursor to the end and returns every item."""
    items, cursor = [], None
    while True:
        page = (await client.get(url, params={**params, **({"cursor": cursor} if cursor else {})},
                                 headers=headers or {})).json()
        items += page["items"]
        cursor = page["next_cursor"]
        if not cursor:
            return items


async def count_rows(app, model) -> int:
    async with app.state.sessionmaker() as session:
        return (await session.execute(select(func.count()).select_from(model))).scalar_one()


async def statuses_at_once(client: Any, path: str, body: dict[str, Any], headers: dict[str, str],
                           times: int) -> list[int]:
    """The same POST sent `times` at once (interleaved through the ASGI client): each answer's status code."""
    answers = await asyncio.gather(*(client.post(path, json=body, headers=headers) for _ in range(times)))
    return [r.status_code for r in answers]


def active_units(case: dict) -> dict[int, str]:
    """A case answer's active assignments: unit id → role."""
    return {a["unit"]["id"]: a["role"] for a in case["assignments"] if a["active"]}


async def told(app, case_id: int, event_type: str) -> dict[int, str]:
    """The units the outbox tells of a case's event of this type: unit id → the role it was told as."""
    async with app.state.sessionmaker() as session:
        rows = (await session.execute(select(OutboxEvent).where(OutboxEvent.case_id == case_id,
                                                                OutboxEvent.type == event_type))).scalars()
        return {r.unit_id: r.body["as"] for r in rows}
