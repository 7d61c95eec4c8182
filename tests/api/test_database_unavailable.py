"""With the database away, requests are answered at once with 503 problem+json and Retry-After, not a 500."""

from pathlib import Path

from httpx import ASGITransport, AsyncClient

from app.core.clock import FrozenClock
from app.main import create_app
from tests import factories as f
from tests.conftest import START, _settings


async def test_a_database_that_refuses_connections_is_a_503(tmp_path: Path):
    # Port 1 on the loopback: nothing listens, so every connection attempt is refused.
    settings = _settings("postgresql+asyncpg://csc:csc@127.0.0.1:1/csc", tmp_path)
    app = create_app(settings, clock=FrozenClock(START), run_worker=False)
    async with app.router.lifespan_context(app):
        transport = ASGITransport(app=app, raise_app_exceptions=False)
        async with AsyncClient(transport=transport, base_url="http://test") as client:
            for method, url in (("GET", "/me"), ("POST", "/hotline/orders"), ("GET", "/regions")):
                r = await client.request(method, url, json=f.NOISE_CASE, headers={
                    **f.bearer(app, 1, "agent"), "Accept-Language": "en"})
                assert r.status_code == 503, (url, r.text)
                assert r.headers["content-type"] == "application/problem+json"
                assert r.json()["code"] == "database_unavailable" and int(r.headers["retry-after"]) > 0
            assert (await client.get("/healthz")).status_code == 200  # the process itself is up
