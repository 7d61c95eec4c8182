"""HTTP for the audit trail: auditors and administrators list and export it; every read of it is recorded."""

from datetime import datetime
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import StreamingResponse

from app.audit import export, service
from app.audit.period import PeriodError, period
from app.audit.repository import AuditFilter
from app.audit.schemas import AuditRecordRead
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.core.errors import AppError, wants_english
from app.core.pagination import MAX_LIMIT, CountedPage, decode_cursor, encode_cursor

router = APIRouter(prefix="/audit", tags=["audit trail"], route_class=UnitOfWorkRoute)

MAX_ID = 2**63 - 1
# Comma-separated; each an action code (exact) or a prefix ending in "." or ".*" (case. = every case action).
ACTION = r"^[a-z][a-z0-9_.]*\*?(,[a-z][a-z0-9_.]*\*?)*$"
PERIOD_DOC = ("a local date YYYY-MM-DD (Asia/Shanghai; the whole day, inclusive) or an ISO 8601 time with its "
              "offset (2026-11-23T10:00:00+08:00, or Z; {side})")


async def _reader(ctx: CtxDep) -> None:
    """Before the filters are read: who may not read the trail learns nothing about their values."""
    service.check_reader(ctx)


async def _once(request: Request) -> None:
    """A filter given twice is refused, never half applied. (Parameters the route does not take are refused by
    its route class, before anything else.)"""
    given = [key for key, _ in request.query_params.multi_items()]
    repeated = sorted({k for k in given if given.count(k) > 1})
    if repeated:
        raise AppError("audit_parameter_repeated", 422, names=", ".join(repeated),
                       field_errors=[{"field": f"query.{k}", "code": "audit_parameter_repeated"} for k in repeated])


async def _filter(
    ctx: CtxDep,
    person: Annotated[int | None, Query(ge=1, le=MAX_ID, description=(
        "whose record: the person's register entry, their volunteer record, time-bank account and bound account, "
        "and the cases that account filed"))] = None,
    user: Annotated[int | None, Query(ge=1, le=MAX_ID, description="who acted (a user id)")] = None,
    unit: Annotated[int | None, Query(ge=1, le=MAX_ID, description=(
        "the actor's unit when they acted; records written before units were recorded have none"))] = None,
    action: Annotated[str | None, Query(max_length=200, pattern=ACTION, description=(
        "comma-separated action codes; one ending in '.' or '.*' is a prefix (case. = every case action)"))] = None,
    result: Annotated[str | None, Query(pattern="^[a-z_]{1,16}$", description="ok, fail, locked")] = None,
    start: Annotated[str | None, Query(alias="from", max_length=40,
                                       description="from: " + PERIOD_DOC.format(side="inclusive"))] = None,
    to: Annotated[str | None, Query(max_length=40, description="to: " + PERIOD_DOC.format(side="exclusive"))] = None,
) -> tuple[AuditFilter, dict[str, Any]]:
    try:
        chosen = period(start, to, ZoneInfo(ctx.state.settings.timezone))
    except PeriodError as exc:
        reason = " > ".join(exc.fields) if exc.code == "range_inverted" else exc.fields[0]
        raise AppError("query_invalid", 422, reason=reason,
                       field_errors=[{"field": f"query.{name}", "code": exc.code} for name in exc.fields]) from exc
    codes = tuple(a.rstrip("*") for a in (action or "").split(",") if a)
    used = {k: v for k, v in (("person", person), ("user", user), ("unit", unit), ("action", action),
                              ("result", result), ("from", start), ("to", to)) if v is not None}
    return AuditFilter(person_id=person, user_id=user, unit_id=unit,
                       actions=tuple(c for c in codes if not c.endswith(".")),
                       prefixes=tuple(c for c in codes if c.endswith(".")), result=result,
                       start=chosen.start, end=chosen.end), used


FilterDep = Annotated[tuple[AuditFilter, dict[str, Any]], Depends(_filter)]


def _cursor(raw: str | None) -> tuple[datetime, int] | None:
    invalid = AppError("cursor_invalid", 400, field_errors=[{"field": "query.cursor", "code": "cursor_invalid"}])
    try:
        values = decode_cursor(raw, 2)
    except AppError as exc:
        raise invalid from exc
    if values is None:
        return None
    try:
        at, key = datetime.fromisoformat(values[0]), values[1]
    except (TypeError, ValueError) as exc:
        raise invalid from exc
    if at.tzinfo is None or not isinstance(key, int) or isinstance(key, bool) or not 0 < key <= MAX_ID:
        raise invalid
    return at, key


@router.get("/records", response_model=CountedPage[AuditRecordRead],
            dependencies=[Depends(_reader), Depends(_once)],
            summary="Who read or changed whose record, when, from where and why (auditors, administrators)",
            description="Newest first, paged by keyset (`next_cursor`). Each read is itself recorded "
                        "(`audit.read`, with the filters used). `count=true` adds `total`: exact up to 10,000, "
                        "an estimate (`exact: false`) beyond. Phone and ID numbers never appear in clear; "
                        "residents and volunteers appear by masked name. Unknown or repeated parameters are a 422 "
                        "naming them.")
async def records(request: Request, ctx: CtxDep, chosen: FilterDep,
                  cursor: Annotated[str | None, Query(max_length=200)] = None,
                  limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
                  count: Annotated[bool, Query(description="add `total`, how many records the filters select")] = False,
                  ) -> CountedPage[AuditRecordRead]:
    f, used = chosen
    items, next_key, total = await service.page(ctx, f, used=used, cursor=_cursor(cursor), limit=limit,
                                                english=wants_english(request), count=count)
    return CountedPage(items=items, total=total,
                       next_cursor=encode_cursor([next_key[0].isoformat(), next_key[1]]) if next_key else None)


@router.get("/records.csv", response_class=StreamingResponse,
            dependencies=[Depends(_reader), Depends(_once)],
            responses={200: {"content": {"text/csv": {}},
                             "description": "UTF-8 CSV with a byte-order mark; headers in the request's language"}},
            summary="The records a filter selects as CSV, streamed (auditors, administrators; audited)")
async def export_records(request: Request, ctx: CtxDep, chosen: FilterDep) -> StreamingResponse:
    f, used = chosen
    service.start_export(ctx, used=used)
    english = wants_english(request)
    filename = f"audit-{ctx.now.strftime('%Y%m%dT%H%M%SZ')}.csv"
    return StreamingResponse(export.stream(request.app.state, f, english), media_type="text/csv; charset=utf-8",
                             headers={"Content-Disposition": f'attachment; filename="{filename}"',
                                      "Content-Language": "en" if english else "zh-CN"})
