"""The short simulation in the normal test suite, on SQLite and on PostgreSQL, with a new seed each run (printed;
set SIM_SEED to repeat one). The long run is `python -m tests.simulation` (see tests/simulation/README.md)."""

import os
import random

import pytest

from tests.simulation.machine import run_machine
from tests.simulation.run import Databases

EXAMPLES = int(os.environ.get("SIM_EXAMPLES", "2"))
STEPS = int(os.environ.get("SIM_STEPS", "200"))  # as long as 100 steps took before the checks read what a step touched


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_a_short_year_in_a_district(backend: str, request: pytest.FixtureRequest) -> None:
    seed = int(os.environ.get("SIM_SEED") or random.randrange(2**32))
    print(f"simulation seed {seed} on {backend} (SIM_SEED={seed} repeats it)")
    if backend == "sqlite":
        dbs = Databases("sqlite", sqlite_template=request.getfixturevalue("sqlite_template"))
    else:
        dbs = Databases("postgresql", pg_server=request.getfixturevalue("pg_server"),
                        pg_template=request.getfixturevalue("pg_template"))
    try:
        run_machine(dbs, seed, examples=EXAMPLES, steps=STEPS)
    finally:
        dbs.close()
