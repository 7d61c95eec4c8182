"""Unknown query parameters are errors, not silently ignored (a misspelt `?mnth=2026-11` must not answer the
current month's figures as if it had been understood).

`no_unknown_query` is a dependency for a router: it reads the query parameters the matched route declares (its own
and its dependencies', by their public names) and refuses any other with a 422 naming each one. The kernel has no
such dependency yet; it is small and generic, so it could move there unchanged.
"""

from typing import Any

from fastapi import Request

from app.core.errors import AppError

_DECLARED: dict[int, frozenset[str]] = {}  # id(route) -> the query names it declares


def _declared(dependant: Any) -> frozenset[str]:
    names: set[str] = set()
    stack = [dependant]
    while stack:
        current = stack.pop()
        names.update(field.alias for field in current.query_params)
        stack.extend(current.dependencies)
    return frozenset(names)


async def no_unknown_query(request: Request) -> None:
    route = request.scope.get("route")
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return
    known = _DECLARED.get(id(route))
    if known is None:
        known = _DECLARED[id(route)] = _declared(dependant)
    unknown = sorted(set(request.query_params.keys()) - known)
    if unknown:
        raise AppError("query_parameter_unknown", 422, names=", ".join(unknown),
                       field_errors=[{"field": f"query.{name}", "code": "extra_forbidden"} for name in unknown])
