"""ETag / If-Match for optimistic concurrency on versioned rows."""

from typing import Annotated

from fastapi import Depends, Request

from app.core.errors import AppError


def etag(version: int) -> str:
    return f'"{version}"'


def parse_if_match(request: Request, *, required: bool = True) -> int | None:
    """The version the client last saw; 428 when required and missing."""
    raw = request.headers.get("if-match")
    if raw is None or not raw.strip():
        if required:
            raise AppError("precondition_required", 428)
        return None
    value = raw.strip()
    if value.startswith("W/"):
        value = value[2:]
    value = value.strip('"')
    if not value.isdigit():
        raise AppError("version_stale", 412, current="?")
    return int(value)


def check_version(expected: int | None, current: int) -> None:
    if expected is not None and expected != current:
        raise AppError("version_stale", 412, current=current, headers={"ETag": etag(current)})


async def if_match(request: Request) -> int | None:
    """The If-Match version as a dependency; services answer 428 where they need one."""
    return parse_if_match(request, required=False)


IfMatch = Annotated[int | None, Depends(if_match)]
