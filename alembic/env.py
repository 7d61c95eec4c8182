"""Alembic runs on the app's own async engine, for SQLite and PostgreSQL alike."""

import asyncio
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlmodel import SQLModel

import app.models  # noqa: F401  (the tables of every package)
import app.registry  # noqa: F401  (and of every kind, which may bring its own)
from app.core.config import get_settings
from app.core.db import make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def _database_url() -> str:
    return config.attributes.get("database_url") or get_settings().database_url


def run_migrations_offline() -> None:
    context.configure(url=_database_url(), target_metadata=target_metadata, literal_binds=True,
                      render_as_batch=_database_url().startswith("sqlite"))
    with context.begin_transaction():
        context.run_migrations()


# Objects a migration creates by hand, beyond what the models can say: SQLite's full-text table (and the shadow
# tables FTS5 keeps), its triggers, PostgreSQL's full-text index over an expression (before 5c4c56e617a1), and its
# stored, generated tsvector column with the GIN index over it (PostgreSQL only; the models do not declare it).
HAND_MADE = ("cases_fts", "ix_cases_search_text", "ix_cases_search_vector", "search_vector")


def _include(obj: object, name: str | None, type_: str, reflected: bool, compare_to: object) -> bool:
    return not (name and name.startswith(HAND_MADE))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        include_object=_include,
        # SQLite cannot ALTER most things in place; batch mode copies the table.
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_migrations_online() -> None:
    settings = get_settings().model_copy(update={"database_url": _database_url()})
    engine = make_engine(settings)
    async with engine.connect() as connection:
        await connection.run_sync(_run)
        await connection.commit()
    await engine.dispose()


if context.is_offline_mode():
    run_migrations_offline()
else:
    asyncio.run(run_migrations_online())
