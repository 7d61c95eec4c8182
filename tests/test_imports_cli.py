"""The import and export commands (app/imports/cli.py) against a seeded SQLite database: export, a dry run, an
apply, a refused batch, and an export identical to the first."""

import argparse
import shutil
import sqlite3
from pathlib import Path

from app.imports import cli
from app.registry import plugins
from tests.conftest import _settings


def _parse(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    cli.add_commands(parser.add_subparsers(dest="command", required=True))
    return parser.parse_args(argv)


def _run(settings, *argv: str) -> int:
    return cli.main(_parse(*argv), settings, plugins())


def _all_version(db: Path) -> int:
    """The version of every cached entry (`*`) that processes on this database follow (app/core/shared.py)."""
    with sqlite3.connect(db) as conn:
        row = conn.execute("SELECT version FROM cache_versions WHERE name = '*'").fetchone()
    return int(row[0]) if row else 0


def test_export_import_export_from_the_command_line(sqlite_template: Path, tmp_path: Path, capsys):
    db = tmp_path / "cli.db"
    shutil.copy(sqlite_template, db)
    settings = _settings(f"sqlite+aiosqlite:///{db}", tmp_path)
    first, second = tmp_path / "first", tmp_path / "second"
    assert _run(settings, "export", str(first)) == 0
    assert (first / "places.csv").is_file() and (first / "boundaries.geojson").is_file()
    shanghai = sorted(Path("seed/demo/shanghai").glob("*.csv"))
    before = _all_version(db)
    assert _run(settings, "import", *map(str, shanghai), "--dry-run") == 0
    assert '"dry_run": true' in capsys.readouterr().out
    assert _all_version(db) == before  # nothing changed: no process is told to reload
    assert _run(settings, "import", *map(str, shanghai)) == 0
    assert '"version": 1' in capsys.readouterr().out
    assert _all_version(db) == before + 1  # running servers drop their reference data within their poll
    bad = tmp_path / "units.csv"
    bad.write_text("code,name,kind,region_code,parent_code,phone,address,webhook_url\nx,无辖区,district_government,,,,,\n",
                   encoding="utf-8")
    assert _run(settings, "import", str(bad), "--english") == 1
    assert "has no jurisdiction" in capsys.readouterr().err
    assert _all_version(db) == before + 1
    assert _run(settings, "import", str(tmp_path / "missing.csv")) == 2
    assert _run(settings, "export", str(second), "--sheets", "nope") == 2
    assert _run(settings, "export", str(second), "--sheets", "places,units") == 0
    assert (second / "places.csv").read_bytes() != (first / "places.csv").read_bytes()  # Shanghai's places added
    assert (second / "boundaries.geojson").read_bytes() == (first / "boundaries.geojson").read_bytes()
    assert _run(settings, "export", str(second / "x"), "--format", "xlsx") == 0
    assert (second / "x" / "catalogue.xlsx").stat().st_size > 10_000


def test_a_labelled_history_from_the_command_line(sqlite_template: Path, tmp_path: Path, capsys):
    db = tmp_path / "cli.db"
    shutil.copy(sqlite_template, db)
    settings = _settings(f"sqlite+aiosqlite:///{db}", tmp_path)
    good = tmp_path / "history.csv"
    good.write_bytes("诉求内容,分类编码\n蜂巢柜超时收费,market.consumer\n路灯不亮,municipal.street_light\n".encode("gbk"))
    assert _run(settings, "import", "--history", str(good), "--dry-run") == 0
    assert '"inserted": 2' in capsys.readouterr().out
    assert _run(settings, "import", "--history", str(good)) == 0
    assert '"dry_run": false' in capsys.readouterr().out
    bad = tmp_path / "bad.csv"
    bad.write_text("text,category\n噪音,no.such\n", encoding="utf-8")
    assert _run(settings, "import", "--history", str(bad), "--english") == 1
    assert "history_category_unknown" in capsys.readouterr().err
