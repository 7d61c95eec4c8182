"""Import and export from the command line, for the integrator to wire into `python -m app`:

    python -m app import FILE... [--dry-run]          CSV, .xlsx and GeoJSON files, checked, then written
    python -m app import --history FILE... [--dry-run]   a labelled history for the classifier (text, category)
    python -m app export DIR [--format csv|xlsx] [--sheets a,b]   every table (and boundaries.geojson) to DIR

`add_commands(subparsers)` adds both sub-commands; `main(args, settings, plugins)` runs the one parsed, with the
installed plugins (`app.registry.plugins()`, whose profile sections check deadline profiles), and answers the
process's exit status: 0 written or clean, 1 problems found, 2 bad arguments. In app/cli.py:

    imports_cli.add_commands(sub)
    ...
    elif args.command in ("import", "export"):
        sys.exit(imports_cli.main(args, settings, plugins()))
"""

import argparse
import asyncio
import json
import secrets
import sys
from pathlib import Path
from typing import Any

from app.core.config import Settings
from app.core.errors import message
from app.core.plugins import Plugins
from app.imports import history, service
from app.imports.sheets import ORDER

TABLES = [t for t in ORDER if t != "boundaries"]


def add_commands(sub: Any) -> None:
    imp = sub.add_parser("import", help="import reference data (CSV, .xlsx, GeoJSON); --dry-run checks only")
    imp.add_argument("files", nargs="+", type=Path)
    imp.add_argument("--dry-run", action="store_true", help="report every row's problems; write nothing")
    imp.add_argument("--english", action="store_true", help="problems in English")
    imp.add_argument("--history", action="store_true",
                     help="the files are a labelled history for the classifier (columns text, category)")
    exp = sub.add_parser("export", help="export reference data to a directory (CSV files or one workbook)")
    exp.add_argument("directory", type=Path)
    exp.add_argument("--format", choices=("csv", "xlsx"), default="csv")
    exp.add_argument("--sheets", default=None, help="comma-separated tables (default: all)")


async def run_import(settings: Settings, files: list[Path], dry_run: bool, installed: Plugins,
                     labelled_history: bool = False) -> service.Outcome:
    from app.core import shared
    from app.core.db import make_engine, make_sessionmaker

    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            from app.core.clock import SystemClock

            data = [(p.name, p.read_bytes()) for p in files]  # noqa: ASYNC240 (a CLI, files read once)
            if labelled_history:
                outcome = await history.run(session, data, dry_run=dry_run, now=SystemClock().now(), actor=None)
            else:
                outcome = await service.run(
                    session, data, dry_run=dry_run, now=SystemClock().now(),
                    actor=None, profile_sections=installed.profile_sections, seed_dir=settings.seed_dir,
                    secrets_for=lambda: secrets.token_urlsafe(32))
            if outcome.ok and not dry_run:
                await session.commit()
                # Every process running on this database drops its reference data (app/core/shared.py).
                await shared.publish(engine, ())
            else:
                await session.rollback()
            return outcome
    finally:
        await engine.dispose()


async def run_export(settings: Settings, directory: Path, fmt: str, sheets: list[str]) -> list[Path]:
    from app.core.db import make_engine, make_sessionmaker

    engine = make_engine(settings)
    written = []
    try:
        async with make_sessionmaker(engine)() as session:
            if fmt == "xlsx":
                path = directory / "catalogue.xlsx"
                path.write_bytes(await service.export(session, sheets, "xlsx"))  # noqa: ASYNC240 (a CLI)
                written.append(path)
            else:
                for name in sheets:
                    path = directory / f"{name}.csv"
                    path.write_bytes(await service.export(session, [name], "csv"))  # noqa: ASYNC240
                    written.append(path)
            path = directory / "boundaries.geojson"
            path.write_bytes(await service.export(session, ["boundaries"], "geojson"))  # noqa: ASYNC240
            written.append(path)
    finally:
        await engine.dispose()
    return written


def main(args: argparse.Namespace, settings: Settings, installed: Plugins) -> int:
    if args.command == "import":
        missing = [str(p) for p in args.files if not p.is_file()]
        if missing:
            print(f"error: no such file: {', '.join(missing)}", file=sys.stderr)
            return 2
        outcome = asyncio.run(run_import(settings, args.files, args.dry_run, installed, args.history))
        for p in outcome.problems:
            where = ":".join(str(x) for x in (p.file, p.sheet, p.line, p.column) if x not in (None, ""))
            print(f"{where}: {p.code}: {message(p.code, args.english, **p.params)}", file=sys.stderr)
        print(json.dumps({"dry_run": outcome.dry_run, "ok": outcome.ok, "version": outcome.version,
                          "changes": outcome.changes, "problems": len(outcome.problems)}, ensure_ascii=False))
        for s in outcome.secrets:
            print(f"webhook signing secret for {s['unit_code']} (shown once): {s['secret']}")
        return 0 if outcome.ok else 1
    sheets = [s.strip() for s in args.sheets.split(",")] if args.sheets else TABLES
    unknown = [s for s in sheets if s not in TABLES]
    if unknown:
        print(f"error: unknown tables {', '.join(unknown)} (known: {', '.join(TABLES)})", file=sys.stderr)
        return 2
    args.directory.mkdir(parents=True, exist_ok=True)
    for path in asyncio.run(run_export(settings, args.directory, args.format, sheets)):
        print(path)
    return 0
