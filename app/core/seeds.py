"""What every package's seed loader shares: the run it is part of, and how seed files are read."""

import csv
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import yaml

from app.core.plugins import ProfileParser


@dataclass(frozen=True)
class SeedRun:
    """One seeding pass. `upgrade`: an existing database served again, where only what a release adds is written
    and rows administrators may have changed are left alone."""

    seed_dir: Path
    now: datetime
    upgrade: bool = False
    profile_sections: Mapping[str, ProfileParser] = field(default_factory=dict)  # to check profiles as they load


def read_yaml(path: Path) -> Any:
    return yaml.safe_load(path.read_text(encoding="utf-8"))


def read_csv(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def upsert(session: Any, row: Any, model: Any, key: Mapping[str, Any], values: Mapping[str, Any]) -> bool:
    """A seed row written: added (`model(**key, **values)`) when missing, its `values` set when any differs;
    whether it changed."""
    if row is None:
        session.add(model(**key, **values))
        return True
    if any(getattr(row, k) != v for k, v in values.items()):
        for k, v in values.items():
            setattr(row, k, v)
        return True
    return False
