"""What a file is, decided from its first bytes, never from its name or the type its sender declared (pure).

`filetype` reads the magic numbers of the first bytes. An executable renamed `.jpg` is what its bytes say it is,
and is refused; bytes it cannot name at all (text, HTML, SVG) are refused too.
"""

from collections.abc import Sequence

import filetype

from app.core.errors import AppError

HEAD_BYTES = 8192  # filetype reads no further than this
IMAGE_TYPES = frozenset({"image/jpeg", "image/png", "image/webp"})  # the ones Pillow re-encodes here


def detect(head: bytes) -> str | None:
    kind = filetype.guess(head)
    return kind.mime if kind is not None else None


def accepted_type(head: bytes, allowed: Sequence[str], field: str = "file") -> str:
    """The file's type when it is allowed; otherwise a 415 that names what was found and what is allowed."""
    mime = detect(head)
    if mime is None or mime not in allowed:
        raise AppError("file_type_not_allowed", 415, detected=mime or "unknown", allowed=", ".join(allowed),
                       field_errors=[{"field": field, "code": "file_type_not_allowed"}])
    return mime


def is_image(mime: str) -> bool:
    return mime in IMAGE_TYPES
