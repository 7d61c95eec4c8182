"""Every error code the code can raise has a Chinese and an English message."""

import re
from pathlib import Path

from app.registry import message_catalogue

MESSAGES = message_catalogue()

RAISED = re.compile(r"""(?:AppError|NotFound|Forbidden|Conflict|LifecycleError)\(\s*["']([a-z_]+)["']""")


def test_every_raised_code_has_both_messages():
    codes = set()
    for path in Path("app").rglob("*.py"):
        codes |= set(RAISED.findall(path.read_text(encoding="utf-8")))
    assert len(codes) > 50  # the scan found the codes, not nothing
    missing = sorted(c for c in codes if c not in MESSAGES)
    assert missing == []
    assert all(zh and en and zh != en for zh, en in (MESSAGES[c] for c in codes))


def test_a_title_never_shows_a_template_placeholder():
    from app.core.errors import title

    raw = sorted(code for code in MESSAGES for english in (False, True) if "{" in title(code, english))
    assert raw == []
