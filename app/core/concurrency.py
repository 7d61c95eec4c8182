"""ETag / If-Match for optimistic concurrency on versioned rows."""

from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import BaseModel

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


def require_version(expected: int | None, current: int) -> None:
    """A change to a versioned row needs the version the client saw (If-Match): 428 without it, 412 if stale."""
    if expected is None:
        raise AppError("precondition_required", 428)
    check_version(expected, current)


def changes_of(body: BaseModel, expected: int | None, current: int) -> dict[str, Any]:
    """A partial update's fields, the version checked (`require_version`); 422 when it changes nothing."""
    require_version(expected, current)
    changes = body.model_dump(exclude_unset=True)
    if not changes:
        raise AppError("nothing_to_change", 422)
    return changes


async def if_match(request: Request) -> int | None:
    """The If-Match version as a dependency; services answer 428 where they need one."""
    return parse_if_match(request, required=False)


IfMatch = Annotated[int | None, Depends(if_match)]
