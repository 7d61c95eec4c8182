"""Alembic builds the schema and the seed is idempotent, on both databases."""

from sqlalchemy import func, select, text

from app.models import Category, Region, RoutingRule, Unit
from app.seeding import seed_all
from tests.conftest import START, _settings


async def counts(session) -> dict[str, int]:
    return {m.__name__: (await session.execute(select(func.count()).select_from(m))).scalar_one()
            for m in (Region, Unit, Category, RoutingRule)}


async def test_seed_twice_changes_nothing(app):
    async with app.state.sessionmaker() as session:
        before = await counts(session)
        report = await seed_all(session, _settings("sqlite://", app.state.settings.data_dir).seed_dir, START)
        await session.commit()
        assert set(report.values()) == {0}
        assert await counts(session) == before
        assert before["Region"] == 225 and before["Unit"] > 300


async def test_schema_is_at_alembic_head(app):
    async with app.state.engine.connect() as conn:
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar_one()
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    from app.core.config import ROOT
    head = ScriptDirectory.from_config(Config(str(ROOT / "alembic.ini"))).get_current_head()
    assert version == head


async def test_timestamps_come_back_aware_utc(app, client):
    from tests import factories as f
    agent = await f.login_as(app, "agent")
    case = await f.case(client, agent)
    assert case["created_at"].endswith("Z") or case["created_at"].endswith("+00:00")
