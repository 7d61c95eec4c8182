"""python -m app {serve,migrate,seed,worker,create-user,issue-api-key,purge-audit,import,export,metrics-rollups,
openapi}."""

import argparse
import asyncio
import sys
from types import SimpleNamespace

from sqlalchemy import func, select

from app.core import shared
from app.core.cache import ReferenceCache
from app.core.clock import SystemClock
from app.core.config import ROOT, Settings, get_settings
from app.core.db import make_engine, make_sessionmaker
from app.core.errors import AppError, message
from app.core.keys import load_keys
from app.core.observability import configure_logging
from app.imports import cli as imports_cli
from app.metrics import commands as metrics_commands


def migrate(settings: Settings) -> None:
    # Imported here: every server worker imports this module (multiprocessing re-imports `python -m app`), and
    # alembic costs about 10 MB in each.
    from alembic.config import Config

    from alembic import command

    config = Config(str(ROOT / "alembic.ini"))
    config.attributes["database_url"] = settings.database_url
    config.attributes["configure_logging"] = False
    if settings.is_sqlite:
        settings.data_dir.mkdir(parents=True, exist_ok=True)
    command.upgrade(config, "head")


async def _seed(settings: Settings, only_if_empty: bool) -> dict[str, int] | None:
    from app.models import Region
    from app.seeding import seed_all, seed_upgrade

    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            if only_if_empty and (await session.execute(select(func.count()).select_from(Region))).scalar_one():
                report = await seed_upgrade(session, settings.seed_dir)
                await session.commit()
                changed = {k: v for k, v in report.items() if v} or None
            else:
                changed = report = await seed_all(session, settings.seed_dir, SystemClock().now())
                await session.commit()
        if changed:
            await shared.publish(engine, ())  # processes running on this database reload their reference data
        return changed
    finally:
        await engine.dispose()


async def _issue_key(settings: Settings, args: argparse.Namespace) -> str:
    from app.delivery.keys import issue

    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            state = SimpleNamespace(keys=load_keys(settings))
            _, key, signing = await issue(session, state, name=args.name, kind="unit" if args.unit else "open311",
                                          unit_id=args.unit, by=None, now=SystemClock().now())
            await session.commit()
    finally:
        await engine.dispose()
    return f"api key (shown once): {key}" + (f"\nsigning secret (shown once): {signing}" if signing else "")


async def _create_user(settings: Settings, args: argparse.Namespace) -> int:
    from app.accounts.service import create_user

    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            user = await create_user(session, settings, username=args.username, password=args.password,
                                     name=args.name or args.username, role=args.role, unit_id=args.unit,
                                     now=SystemClock().now(), leader=args.leader)
            await session.commit()
            return user.id
    finally:
        await engine.dispose()


async def _worker(settings: Settings, passes: int | None) -> None:
    from app.core.state import ProcessState
    from app.registry import plugins
    from app.worker import run_forever

    engine = make_engine(settings)
    state = ProcessState(settings=settings, clock=SystemClock(), sessionmaker=make_sessionmaker(engine),
                         cache=ReferenceCache(settings.routing_cache_seconds), engine=engine,
                         keys=load_keys(settings),  # the sweep reads cases, whose phones are encrypted
                         plugins=plugins())
    try:
        # Reference data an administrator changes through the API is followed here as in the API's processes.
        async with shared.following(state.cache, engine, settings.cache_poll_seconds):
            await run_forever(state, stop_after=passes, deliver=passes is None)
    finally:
        await engine.dispose()


async def _purge_audit(settings: Settings, older_than_days: int) -> int:
    from app.core import audit

    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            deleted = await audit.purge(session, now=SystemClock().now(), older_than_days=older_than_days)
            await session.commit()
            return deleted
    finally:
        await engine.dispose()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m app", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, seed (a new database fully, an existing one with what a "
                                         "release adds), and serve")
    serve.add_argument("--host", default="127.0.0.1")
    serve.add_argument("--port", type=int, default=8000)
    serve.add_argument("--workers", type=int, default=1)
    serve.add_argument("--no-worker", action="store_true", help="do not run background jobs in this process")
    sub.add_parser("migrate", help="apply database migrations")
    sub.add_parser("seed", help="load seed/ (idempotent)")
    worker = sub.add_parser("worker", help="run background jobs without the API")
    worker.add_argument("--passes", type=int, default=None, help="stop after N passes")
    user = sub.add_parser("create-user", help="create a staff or resident account")
    user.add_argument("--username", required=True)
    user.add_argument("--password", required=True)
    user.add_argument("--role", required=True)
    user.add_argument("--unit", type=int, default=None, help="unit id (required for unit_staff)")
    user.add_argument("--name", default=None)
    user.add_argument("--leader", action="store_true", help="a leader: may sign off decisions against the check")
    key = sub.add_parser("issue-api-key", help="issue an API key (an Open311 app, or a unit's system); printed once")
    key.add_argument("--name", required=True)
    key.add_argument("--unit", type=int, default=None, help="a unit's id: the key acts as the unit's system")
    purge = sub.add_parser("purge-audit", help="delete audit records older than N days (N ≥ 180: 网络安全法 Art 21)")
    purge.add_argument("--older-than-days", type=int, required=True)
    imports_cli.add_commands(sub)
    metrics_commands.add_commands(sub)
    sub.add_parser("openapi", help="print the OpenAPI document (JSON)")
    args = parser.parse_args(argv)

    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    if args.command == "migrate":
        migrate(settings)
        print("migrated")
    elif args.command == "seed":
        migrate(settings)
        print(asyncio.run(_seed(settings, only_if_empty=False)))
    elif args.command == "worker":
        asyncio.run(_worker(settings, args.passes))
    elif args.command == "create-user":
        try:
            user_id = asyncio.run(_create_user(settings, args))
        except AppError as exc:
            print(f"error: {exc.code}: {message(exc.code, True, **exc.params)}", file=sys.stderr)
            sys.exit(2)
        print(f"created user {user_id}")
    elif args.command == "issue-api-key":
        migrate(settings)
        try:
            print(asyncio.run(_issue_key(settings, args)))
        except AppError as exc:
            print(f"error: {exc.code}: {message(exc.code, True, **exc.params)}", file=sys.stderr)
            sys.exit(2)
    elif args.command == "purge-audit":
        from app.core.audit import MIN_RETENTION_DAYS

        if args.older_than_days < MIN_RETENTION_DAYS:
            print(f"error: audit records are kept at least {MIN_RETENTION_DAYS} days", file=sys.stderr)
            sys.exit(2)
        migrate(settings)
        print(f"deleted {asyncio.run(_purge_audit(settings, args.older_than_days))} audit records")
    elif args.command in ("import", "export"):
        from app.registry import plugins

        migrate(settings)
        sys.exit(imports_cli.main(args, settings, plugins()))
    elif args.command == "metrics-rollups":
        migrate(settings)
        sys.exit(metrics_commands.cli(settings, rebuild=args.rebuild))
    elif args.command == "openapi":
        import json

        from app.main import create_app

        print(json.dumps(create_app(settings).openapi(), ensure_ascii=False))
    elif args.command == "serve":
        import uvicorn

        migrate(settings)
        report = asyncio.run(_seed(settings, only_if_empty=True))
        if report:
            print(f"seeded: {report}")
        if args.no_worker:
            import os

            os.environ["CSC_RUN_WORKER_IN_SERVE"] = "false"
            get_settings.cache_clear()
        uvicorn.run("app.main:app_factory", factory=True, host=args.host, port=args.port,
                    workers=args.workers, access_log=False, log_config=None)
