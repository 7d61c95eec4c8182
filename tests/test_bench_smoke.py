"""The benchmark suite runs end to end in its short form (`bench/run.py --smoke`).

This checks the scripts, not the speed: no timing is asserted. It needs wrk,
which .ci/run installs.
"""

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ("GET /cases/{id}, one at a time", "GET /cases/{id}, flat out", "GET /cases/{id} at half load",
             "GET /cases/{id}, floor of the stack",
             "unit queue, page 1 ", "unit queue, page 10 (keyset)", "metrics: a unit's month",
             "metrics: district overview", "metrics: city-wide month", "metrics: a district's 12-month series",
             "read latency growth",
             "intake POST /hotline/orders (PostgreSQL, 4 connections)",
             "intake ÷ bare endpoint (PostgreSQL)", "intake POST /hotline/orders (SQLite, 4 connections)",
             "intake ÷ replay of its own SQL", "intake at half the maximum rate", "intake CPU per request",
             "serve --workers 2 ÷ --workers 1",
             "routing: the pure resolver", "classification: top 3", "intake CPU floor of the stack",
             "emergency recogniser", "address resolution: the gazetteer", "an intake's pure work",
             "RSS per worker, classifier loaded (PostgreSQL, serve --workers 2)",
             "RSS per worker, classifier loaded (SQLite)", "soak: intake at half the maximum rate")


@pytest.mark.skipif(shutil.which("wrk") is None, reason="wrk is not installed (.ci/run installs it)")
def test_the_benchmark_suite_runs_and_reports_every_scenario(tmp_path):
    out = tmp_path / "results.md"
    done = subprocess.run([sys.executable, "bench/run.py", "--smoke", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    text = out.read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| ") and not line.startswith("| scenario")]
    for name in SCENARIOS:
        assert any(name in row for row in rows), name
    loaded = [row for row in rows if "req/s" in row and "errors" in row]
    # three case-read rows per size (flat out, half load, the floor); intake flat out and at half its rate on each
    # database; --workers 2 against 1; the soak
    assert len(loaded) == 12
    for row in loaded:
        rate, errors = re.search(r"([\d,]+) req/s", row).group(1), re.search(r"errors (\d+)", row).group(1)
        assert int(rate.replace(",", "")) > 0 and errors == "0", row
    floor = next(row for row in rows if "intake CPU floor of the stack" in row)
    # Differences of CPU times: only the whole floor is surely above the client's cost; a part may be noise.
    parts = re.search(r"\| (-?[\d.]+) ms \| FastAPI validating the order \((-?[\d.]+) ms\).*\(([\d.]+) ms alone\)",
                      floor)
    assert parts and float(parts.group(1)) > 0 and float(parts.group(3)) > 0, floor
    for row in (r for r in rows if "floor of the stack" in r and "GET /cases" in r):
        assert re.search(r"the same \d+ statements \(\d workers\) ÷ the raw fetch: the most the ratio above can "
                         r"reach \| \d+\.\d\d \|", row), row
    soak = next(row for row in rows if "soak: intake" in row)
    assert re.search(r"[1-9][\d,]* cases stored, every one whole", soak), soak
    assert re.search(r"RSS MiB per worker: \d+ → \d+ \(peak \d+\), \d+ → \d+", soak), soak  # two workers
    for row in (r for r in rows if r.startswith("| RSS per worker")):
        assert re.search(r"\| \d+ MiB \|", row), row
    for row in (r for r in rows if "intake CPU per request" in r):  # sampled, or why not
        assert re.search(r"by leaf frame's package \(py-spy on the thread holding the GIL, flat out\): "
                         r"(\S+ \d+%|not sampled: .+)", row), row
        assert re.search(r"the rest of the machine \(database server, load generator, kernel\) -?[\d.]+ ms an intake",
                         row), row
    for row in (r for r in rows if r.startswith("| intake at half the maximum rate")):  # beside one alone
        assert re.search(r"one connection, one intake at a time: [1-9][\d,]* req/s, p50 [\d.]+ ms", row), row
    scaling = next(row for row in rows if "serve --workers 2 ÷ --workers 1" in row)
    assert re.search(r"--workers 1 [\d.]+ \+ -?[\d.]+ ms \(server [\d.]+ cores, machine [\d.]+ of \d+\); --workers 2 "
                     r"[\d.]+ \+ -?[\d.]+ ms .*a ratio of at most \d+\.\d\d on this machine", scaling), scaling
    assert "EXPLAIN" in text and "Index" in text  # the plans of the hot queries are in the report


def test_the_metrics_scale_benchmark_runs_and_reports_every_figure(tmp_path):
    """bench/metrics_scale.py --smoke: stored cases rebuilt into rollups, the figures read, then synthetic rollups
    (scaled and filled to every row) read again. Needs no wrk."""
    out = tmp_path / "metrics.md"
    done = subprocess.run([sys.executable, "bench/metrics_scale.py", "--smoke", "--out", str(out)], cwd=ROOT,
                          capture_output=True, text=True, timeout=1200)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-4000:]
    rows = [line for line in out.read_text(encoding="utf-8").splitlines() if line.startswith("| metrics:")]
    assert len(rows) == 10  # five figures at the stored size, five on the synthetic rollups
    assert sum("synthetic" in row for row in rows) == 5
    assert all(re.search(r"p50 [\d.]+ ms", row) for row in rows)
