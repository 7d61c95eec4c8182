"""The markdown the suite writes: a header naming the machine and command, the table, the query plans."""

from datetime import UTC, datetime
from pathlib import Path

from bench.kit.scenarios import Row


def _cell(value: object) -> str:
    return str(value).replace("|", "\\|")


def table(rows: list[Row]) -> str:
    lines = ["| scenario | cases | measured | ceiling (same run) | ratio | target | met |",
             "|---|---|---|---|---|---|---|"]
    for r in rows:
        ratio = f"{r.ratio:.2f}" if r.ratio is not None else ""
        met = {True: "yes", False: "**no**", None: ""}[r.met]
        note = f" ({r.note})" if r.note else ""
        lines.append(f"| {_cell(r.scenario)}{_cell(note)} | {r.scale} | {_cell(r.figure)} | {_cell(r.ceiling)} | "
                     f"{ratio} | {_cell(r.target)} | {met} |")
    return "\n".join(lines)


def write_report(path: Path, rows: list[Row], plans: list[str], *, command: str, machine: str,
                 minutes: float) -> str:
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    text = (f"# Benchmark results\n\n- Date: {stamp}\n- Machine: {machine}\n- Command: `{command}` "
            f"({minutes:.0f} min)\n\n{table(rows)}\n\n## Query plans (EXPLAIN ANALYZE at the largest size)\n\n"
            + "\n".join(plans))
    path.write_text(text, encoding="utf-8")
    return text
