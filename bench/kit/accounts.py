"""Benchmark users, created through the real account service and logged in over HTTP like any client."""

from pathlib import Path

import httpx

from app.accounts.service import create_user
from app.core.clock import SystemClock
from app.main import create_app
from bench.kit.generate import settings_for

PASSWORD = "Bench#Pass2026"


async def make_users(url: str, data_dir: Path, *, busy_unit: int, agent_unit: int, tag: str) -> dict[str, str]:
    """role -> username: an admin, an agent of a district centre, staff of the busiest unit."""
    app = create_app(settings_for(url, data_dir), clock=SystemClock(), run_worker=False)
    wanted = {"admin": ("admin", None), "agent": ("agent", agent_unit), "staff": ("unit_staff", busy_unit)}
    names = {}
    async with app.router.lifespan_context(app), app.state.sessionmaker() as session:
        for name, (role, unit) in wanted.items():
            username = f"bench-{name}-{tag}"
            await create_user(session, app.state.settings, username=username, password=PASSWORD, name=name,
                              role=role, unit_id=unit, now=app.state.clock.now())
            names[name] = username
        await session.commit()
    return names


def login(base_url: str, usernames: dict[str, str]) -> dict[str, dict[str, str]]:
    out = {}
    for name, username in usernames.items():
        r = httpx.post(base_url + "/auth/token", data={"username": username, "password": PASSWORD}, timeout=30)
        r.raise_for_status()
        out[name] = {"Authorization": f"Bearer {r.json()['access_token']}"}
    return out
