"""The kernel's error codes with their titles in Chinese and English, and the catalogue of every package's codes.

The kernel's codes are in messages.yaml beside this module; each package keeps its own in its `messages.yaml`
(read by its `messages.py`, app/core/catalogue.py); `install` adds them to the catalogue when the
application is assembled (the registry lists the packages), and a code defined twice is an error there.
Codes are a contract with the frontends: add new ones, never rename. Templates take named parameters from the
raised error.
"""

from collections.abc import Mapping

from app.core.catalogue import read_catalogue
from app.core.field_messages import FIELD_MESSAGES

__all__ = ["FIELD_MESSAGES", "MESSAGES", "TITLES", "install", "text_of", "title_of"]

# The kernel's own codes; every package's are added by `install`.
MESSAGES, TITLES = read_catalogue(__file__)

_catalogue: dict[str, tuple[str, str]] = dict(MESSAGES)
_titles: dict[str, tuple[str, str]] = dict(TITLES)


def install(messages: Mapping[str, tuple[str, str]], titles: Mapping[str, tuple[str, str]]) -> None:
    """Adds the packages' codes (idempotent: the same code with the same text may be installed again)."""
    for target, source in ((_catalogue, messages), (_titles, titles)):
        for code, pair in source.items():
            if target.get(code, pair) != pair:
                raise ValueError(f"error code {code!r} is defined twice with different texts")
            target[code] = pair


def text_of(code: str) -> tuple[str, str] | None:
    return _catalogue.get(code)


def title_of(code: str) -> tuple[str, str] | None:
    return _titles.get(code) or _catalogue.get(code)


def catalogue() -> Mapping[str, tuple[str, str]]:
    return _catalogue
