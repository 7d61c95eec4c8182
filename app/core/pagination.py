"""Keyset pagination with an opaque cursor (no OFFSET, no COUNT)."""

import base64
import json
from typing import Any, Generic, TypeVar

from pydantic import BaseModel

from app.core.errors import AppError

MAX_LIMIT = 100


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None


def encode_cursor(values: list[Any]) -> str:
    raw = json.dumps(values, separators=(",", ":"), default=str).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str | None, arity: int) -> list[Any] | None:
    if not cursor:
        return None
    try:
        padded = cursor + "=" * (-len(cursor) % 4)
        values = json.loads(base64.urlsafe_b64decode(padded.encode()))
    except (ValueError, UnicodeDecodeError) as exc:
        raise AppError("cursor_invalid", 400) from exc
    if not isinstance(values, list) or len(values) != arity:
        raise AppError("cursor_invalid", 400)
    return values


def decode_id_cursor(cursor: str | None) -> int | None:
    """The id a one-id cursor continues after (None without a cursor); a cursor holding anything else is refused."""
    after = decode_cursor(cursor, 1) if cursor else None
    if after is not None and not isinstance(after[0], int):
        raise AppError("cursor_invalid", 400)
    return after[0] if after else None


class Total(BaseModel):
    """How many items match: exact, or an estimate where counting exactly would be slower than the page."""

    value: int
    exact: bool


class CountedPage(Page[T], Generic[T]):
    total: Total | None = None
