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


async def test_an_existing_database_gets_what_a_release_adds_and_keeps_what_admins_changed(app):
    """A database seeded by an older release: profiles without the aid block, no court units, an edited unit."""
    from app.calendar.service import deployment_profile
    from app.models import AidLine, DeadlineProfile
    from app.seeding import seed_upgrade

    seed_dir = _settings("sqlite://", app.state.settings.data_dir).seed_dir
    async with app.state.sessionmaker() as session:
        for profile in (await session.execute(select(DeadlineProfile))).scalars():
            profile.spec = {k: v for k, v in profile.spec.items() if k not in ("aid", "mediation")}
        court = (await session.execute(select(Unit).where(Unit.kind == "court"))).scalars().all()
        for unit in court:
            await session.delete(unit)
        await session.execute(text("DELETE FROM aid_lines"))
        renamed = (await session.execute(select(Unit).where(Unit.kind == "police_station").limit(1))).scalar_one()
        renamed.name = "改过名的派出所"
        await session.commit()
        report = await seed_upgrade(session, seed_dir)
        await session.commit()
        assert (report["deadline_profiles"], report["units"]) == (4, len(court))
        assert (await session.execute(select(func.count()).select_from(AidLine))).scalar_one() == 4
        assert (await session.get(Unit, renamed.id)).name == "改过名的派出所"
    app.state.cache.invalidate()
    async with app.state.sessionmaker() as session:
        profile = await deployment_profile(app.state, session)
        assert profile.aid["notice"].amount == 7
