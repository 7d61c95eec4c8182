"""Where the server's CPU goes: py-spy samples the running API workers while wrk loads them, by package.

py-spy reads the stacks of a running process from outside (it needs ptrace: root, or CAP_SYS_PTRACE in a
container) and does not stop it between samples (`--nonblocking`), so the load and the profile are one run.
It samples the thread holding the GIL (`--gil`): where Python's CPU goes. Without it, every thread's stack was
counted whatever the thread was doing, and waiting (the event loop in epoll, the SQLite driver's thread on its
queue) came out as half of "the CPU" (aiosqlite and asyncio). C code that runs without the GIL (SQLite's own
work, asyncpg's protocol) is not in the samples; the CPU row's milliseconds are the processes' own counters.
"""

import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path


def available() -> str | None:
    """The py-spy executable beside this interpreter (the dev extra installs it), or on the path."""
    here = Path(sys.executable).with_name("py-spy")
    return str(here) if here.exists() else shutil.which("py-spy")


def package(frame: str) -> str:
    """py-spy names a frame's file relative to its import root: `sqlalchemy/orm/session.py`, `app/cases/x.py`."""
    path = frame.rsplit("(", 1)[-1].rsplit(":", 1)[0]
    parts = path.split("/")
    if parts[0] == "app" and len(parts) > 1:
        return "app." + parts[1].removesuffix(".py")
    return parts[0].removesuffix(".py")


def start(pids: list[int], seconds: float, out_dir: Path) -> list[tuple[subprocess.Popen, Path]]:
    """One py-spy per worker, sampling for `seconds`; pass what it answers to `finish`."""
    exe = available()
    if exe is None:
        raise RuntimeError("py-spy is not installed (pip install py-spy)")
    out = []
    for pid in pids:
        raw = out_dir / f"py-spy-{pid}.txt"
        proc = subprocess.Popen([exe, "record", "--pid", str(pid), "--duration", str(max(1, round(seconds))),
                                 "--rate", "200", "--nonblocking", "--gil", "-f", "raw", "-o", str(raw)],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        out.append((proc, raw))
    return out


def finish(recorders: list[tuple[subprocess.Popen, Path]]) -> Counter[str]:
    """Waits for the recorders; the samples of every worker by the package of their leaf frame."""
    leaf: Counter[str] = Counter()
    for proc, raw in recorders:
        _, err = proc.communicate(timeout=120)
        if proc.returncode != 0 or not raw.exists():
            raise RuntimeError(f"py-spy failed: {err.decode(errors='replace')[-300:]}")
        leaf += by_leaf(raw.read_text())
    return leaf


def by_leaf(text: str, only: str | None = None) -> Counter[str]:
    """Collapsed stacks (`frame;frame;frame count`) summed by their leaf frame's package; `only`, if given, keeps
    the stacks that pass through a frame containing it."""
    leaf: Counter[str] = Counter()
    for line in text.splitlines():
        stack, _, n = line.rpartition(" ")
        if not stack or (only and only not in stack):
            continue
        leaf[package(stack.split(";")[-1])] += int(n)
    return leaf


def summary(leaf: Counter[str], top: int = 8) -> str:
    total = sum(leaf.values()) or 1
    return ", ".join(f"{name} {value / total:.0%}" for name, value in leaf.most_common(top))
