"""RFC 9457 problem details with stable codes and bilingual messages."""

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import ValidationError
from sqlalchemy import exc as sa_exc
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from app.core.messages import FIELD_MESSAGES, text_of, title_of

log = logging.getLogger("app.errors")

PROBLEM_TYPE_BASE = "https://csc.example.org/problems/"


class AppError(Exception):
    """A failure the client can act on. Raise it anywhere; the handler renders it."""

    def __init__(
        self,
        error_code: str,
        http_status: int = 400,
        *,
        field_errors: list[dict[str, Any]] | None = None,
        extra: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        keep_changes: bool = False,
        **params: Any,
    ):
        super().__init__(error_code)
        self.keep_changes = keep_changes
        self.code = error_code
        self.status = http_status
        self.params = params
        self.field_errors = field_errors
        self.extra = extra or {}
        self.headers = headers


class NotFound(AppError):
    def __init__(self, error_code: str = "not_found", **params: Any):
        super().__init__(error_code, 404, **params)


class Forbidden(AppError):
    def __init__(self, error_code: str = "forbidden", **params: Any):
        super().__init__(error_code, 403, **params)


class Conflict(AppError):
    def __init__(self, error_code: str = "conflict", **params: Any):
        super().__init__(error_code, 409, **params)


def wants_english(request: Request) -> bool:
    """Chinese is the default; English when the client prefers it."""
    header = request.headers.get("accept-language", "")
    best_lang, best_q = "zh", -1.0
    for part in header.split(","):
        piece = part.strip()
        if not piece:
            continue
        lang, _, q = piece.partition(";q=")
        try:
            weight = float(q) if q else 1.0
        except ValueError:
            weight = 0.0
        if weight > best_q:
            best_lang, best_q = lang.strip().lower(), weight
    return best_lang.startswith("en")


def _fmt(template: str, params: dict[str, Any]) -> str:
    try:
        return template.format(**params)
    except (KeyError, IndexError, ValueError):
        return template


def message(error_code: str, english: bool, **params: Any) -> str:
    zh, en = text_of(error_code) or FIELD_MESSAGES.get(error_code) or (error_code, error_code)
    return _fmt(en if english else zh, params)


def title(code: str, english: bool) -> str:
    """The problem's title: the same for every occurrence (RFC 9457)."""
    zh, en = title_of(code) or (code, code)
    return en if english else zh


def problem(
    request: Request,
    status: int,
    code: str,
    *,
    params: dict[str, Any] | None = None,
    field_errors: list[dict[str, Any]] | None = None,
    extra: dict[str, Any] | None = None,
    headers: dict[str, str] | None = None,
) -> JSONResponse:
    english = wants_english(request)
    params = params or {}
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + code,
        "title": title(code, english),
        "status": status,
        "detail": message(code, english, **params),
        "code": code,
        "instance": request.url.path,
    }
    request_id = getattr(request.state, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    if field_errors:
        body["errors"] = field_errors
    body.update(extra or {})
    return JSONResponse(
        body,
        status_code=status,
        media_type="application/problem+json",
        headers={**(headers or {}), "Content-Language": "en" if english else "zh-CN"},
    )


def field_error(field: str, kind: str, english: bool, /, **ctx: Any) -> dict[str, Any]:
    """One field's error: a validation type's text, or a catalogue code's (a request model's own check)."""
    zh, en = FIELD_MESSAGES.get(kind) or text_of(kind) or (kind, kind)
    return {"field": field, "code": kind, "message": _fmt(en if english else zh, ctx)}


def field_errors_of(exc: ValidationError, prefix: str = "", depth: int | None = None) -> list[dict[str, Any]]:
    """A model's validation errors as field errors whose messages the handler writes in the client's language."""
    return [{"field": prefix + ".".join(str(p) for p in e["loc"][:depth]) or "body", "code": e["type"],
             "params": _context(e)} for e in exc.errors()]


def _context(err: Any) -> dict[str, Any]:
    ctx = {k: v for k, v in (err.get("ctx") or {}).items()}
    if "error" in ctx:
        ctx["error"] = str(ctx["error"]).removeprefix("Value error, ")
    return ctx


def _location(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body",)]
    return ".".join(parts) or "body"


def validation_field_errors(request: Request, errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    english = wants_english(request)
    out = []
    for err in errors:
        kind = err.get("type", "value_error")
        ctx = _context(err)
        item = field_error(_location(tuple(err.get("loc", ()))), kind, english, **ctx)
        if kind not in FIELD_MESSAGES and text_of(kind) is None:
            log.warning("validation error type without a translation: %s", kind)  # a test keeps this from happening
            item["message"] = err.get("msg", kind)
        out.append(item)
    return out


def _numeric_out_of_range(exc: DBAPIError) -> bool:
    """PostgreSQL's 22003 (numeric_value_out_of_range), or asyncpg refusing to encode an integer too big."""
    orig = getattr(exc, "orig", None)
    state = getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", None)
    return state == "22003" or "value out of int" in str(orig)


DATABASE_RETRY_AFTER_SECONDS = 2
_FILESYSTEM_ERRORS = (FileNotFoundError, FileExistsError, IsADirectoryError, NotADirectoryError, PermissionError)


def database_unavailable(exc: BaseException) -> bool:
    """The database cannot be reached, is shutting down or starting, or dropped the connection.

    The request wrote nothing (its transaction never committed), so the client may simply retry: a 503 with
    Retry-After, not a 500. Looks through the exception's causes, where drivers keep the socket error.
    """
    seen: BaseException | None = exc
    for _ in range(6):
        if seen is None:
            return False
        if isinstance(seen, sa_exc.TimeoutError | TimeoutError | ConnectionError):  # pool wait, connect, reset
            return True
        if isinstance(seen, OSError) and not isinstance(seen, _FILESYSTEM_ERRORS):  # refused, unreachable
            return True
        if isinstance(seen, sa_exc.DBAPIError):
            if seen.connection_invalidated or isinstance(seen, sa_exc.OperationalError | sa_exc.InterfaceError):
                return True
            orig = seen.orig
            state = str(getattr(orig, "sqlstate", None) or getattr(getattr(orig, "__cause__", None), "sqlstate", "")
                        or "")
            if state.startswith(("08", "57P")):  # connection exceptions; admin shutdown, cannot connect now
                return True
            seen = orig
            continue
        seen = seen.__cause__ or seen.__context__
    return False


def _rendered(error: dict[str, Any], english: bool, params: dict[str, Any]) -> dict[str, Any]:
    """A field error as the client reads it: its message in the client's language, its parameters spent."""
    out = {k: v for k, v in error.items() if k != "params"}
    if not out.get("message"):
        out["message"] = field_error(out.get("field", ""), out.get("code", ""), english,
                                     **(error.get("params") or params))["message"]
    return out


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(AppError)
    async def _app_error(request: Request, exc: AppError) -> JSONResponse:
        english = wants_english(request)
        errors = exc.field_errors
        if errors:
            errors = [_rendered(e, english, exc.params) for e in errors]
        return problem(
            request, exc.status, exc.code, params=exc.params, field_errors=errors,
            extra=exc.extra, headers=exc.headers,
        )

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = list(exc.errors())
        if any(e.get("type") == "json_invalid" for e in errors):
            return problem(request, 400, "malformed_json")
        return problem(request, 422, "validation_failed",
                       field_errors=validation_field_errors(request, errors))

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = {404: "route_not_found", 405: "method_not_allowed", 401: "auth_required",
                403: "forbidden", 400: "body_unreadable", 413: "body_too_large"}.get(
            exc.status_code, "conflict" if exc.status_code == 409 else "not_found")
        return problem(request, exc.status_code, code, headers=getattr(exc, "headers", None))

    @app.exception_handler(OverflowError)
    @app.exception_handler(DBAPIError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # An integer the database cannot hold (an id or amount past 64 bits on SQLite, past the column's type on
        # PostgreSQL) is bad input, not a fault: nothing was written, the transaction is rolled back.
        if isinstance(exc, DBAPIError) and not _numeric_out_of_range(exc):
            return await _unhandled(request, exc)
        return problem(request, 422, "value_out_of_range")

    # Handled here rather than only in the catch-all below, which runs outside the app and re-raises: an outage
    # must not print a trace per request.
    @app.exception_handler(OSError)
    @app.exception_handler(sa_exc.TimeoutError)
    @app.exception_handler(sa_exc.OperationalError)
    @app.exception_handler(sa_exc.InterfaceError)
    async def _database_unavailable(request: Request, exc: Exception) -> JSONResponse:
        return await _unhandled(request, exc)

    @app.exception_handler(Exception)
    async def _unhandled(request: Request, exc: Exception) -> JSONResponse:
        if database_unavailable(exc):
            log.warning("database unavailable: %s", type(exc).__name__,
                        extra={"request_id": getattr(request.state, "request_id", None)})
            return problem(request, 503, "database_unavailable",
                           headers={"Retry-After": str(DATABASE_RETRY_AFTER_SECONDS)})
        # The trace goes to the log with the request id, never to the client.
        log.exception("unhandled error", extra={"request_id": getattr(request.state, "request_id", None)})
        return problem(request, 500, "internal_error")
