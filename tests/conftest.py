"""Every database test runs on SQLite and on a real PostgreSQL server.

Per backend the schema is migrated with Alembic and seeded once into a
template; each test gets its own copy (a file copy on SQLite, CREATE DATABASE
... TEMPLATE on PostgreSQL), so tests never see each other's rows.
"""

import asyncio
import itertools
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from httpx import ASGITransport, AsyncClient

from app.cli import migrate
from app.core.clock import FrozenClock
from app.core.config import Settings
from app.core.db import make_engine, make_sessionmaker
from app.main import create_app
from app.seeding import seed_all
from tests.pg_server import PostgresServer

pytest_plugins = ["tests.pii_logs"]  # fails the session if any log record carries an unmasked number
BACKENDS = ["sqlite", "postgresql"]
# Monday 23 November 2026, 10:00 in Shanghai.
START = datetime(2026, 11, 23, 2, 0, tzinfo=UTC)
_counter = itertools.count()


def _settings(url: str, data_dir: Path) -> Settings:
    return Settings(database_url=url, data_dir=data_dir, jwt_secret="test-secret-" + "x" * 32,
                    field_key="C2p0Zk1hZ2ljS2V5Rm9yVGVzdHNPbmx5MTIzNDU2Nzg=", lookup_key="test-lookup",
                    run_worker_in_serve=False, routing_cache_seconds=0.0, log_json=False)


async def _seed(url: str, data_dir: Path) -> None:
    settings = _settings(url, data_dir)
    await asyncio.to_thread(migrate, settings)
    engine = make_engine(settings)
    async with make_sessionmaker(engine)() as session:
        await seed_all(session, settings.seed_dir, START)
        await session.commit()
    await engine.dispose()


@pytest.fixture(scope="session")
def pg_server() -> PostgresServer:
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
async def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("sqlite-template")
    path = folder / "template.db"
    await _seed(f"sqlite+aiosqlite:///{path}", folder)
    return path


@pytest.fixture(scope="session")
async def pg_template(pg_server: PostgresServer) -> str:
    conn = await asyncpg.connect(pg_server.url().replace("+asyncpg", ""))
    await conn.execute("CREATE DATABASE csc_template")
    await conn.close()
    await _seed(pg_server.url("csc_template"), Path("/tmp"))
    return "csc_template"


@pytest.fixture(params=BACKENDS)
async def db_url(request: pytest.FixtureRequest, tmp_path: Path, sqlite_template: Path, pg_server: PostgresServer,
                 pg_template: str) -> AsyncIterator[str]:
    if request.param == "sqlite":
        target = tmp_path / "test.db"
        shutil.copy(sqlite_template, target)
        yield f"sqlite+aiosqlite:///{target}"
        return
    async with pg_copy(pg_server, pg_template) as url:
        yield url


@asynccontextmanager
async def pg_copy(pg_server: PostgresServer, pg_template: str) -> AsyncIterator[str]:
    """A database of its own, copied from the migrated and seeded template, dropped afterwards."""
    name = f"csc_test_{next(_counter)}"
    admin = await asyncpg.connect(pg_server.url().replace("+asyncpg", ""))
    await admin.execute(f"CREATE DATABASE {name} TEMPLATE {pg_template}")
    await admin.close()
    try:
        yield pg_server.url(name)
    finally:
        admin = await asyncpg.connect(pg_server.url().replace("+asyncpg", ""))
        await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture
def clock() -> FrozenClock:
    return FrozenClock(START)


@pytest.fixture
async def app(db_url: str, tmp_path: Path, clock: FrozenClock):
    application = create_app(_settings(db_url, tmp_path), clock=clock, run_worker=False)
    async with application.router.lifespan_context(application):
        yield application


@pytest.fixture
async def client(app) -> AsyncIterator[AsyncClient]:
    async with AsyncClient(transport=ASGITransport(app=app), base_url="http://test") as http:
        yield http
