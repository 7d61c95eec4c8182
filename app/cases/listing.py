"""Finding cases: the filter a query asks for, checked; a page of what the caller may see; bulk reads audited."""

from datetime import datetime

from app.cases import reference, search_repository, views
from app.cases import schemas as s
from app.core import audit
from app.core.clock import instant_or_day
from app.core.context import Ctx
from app.core.errors import AppError
from app.core.pagination import Total
from app.core.region_codes import prefix_for
from app.core.roles import Role
from app.core.security import lookup_hash
from app.core.validators import caller_phone_of
from app.routing import service as routing

EXPORT_ROLES = {Role.admin, Role.agent, Role.dispatcher, Role.unit_staff}


def export_scope(ctx: Ctx, f: search_repository.CaseFilter) -> search_repository.Scope:
    """Bulk reads are for staff, and each is audited with its filter."""
    if ctx.principal.role not in EXPORT_ROLES:
        raise AppError("forbidden", 403)
    audit.record(ctx.session, at=ctx.now, action="case.export", actor_user_id=ctx.principal.user_id,
                 target_type="case", target_id=None, detail={k: (v.isoformat() if hasattr(v, "isoformat") else v)
                                                             for k, v in vars(f).items() if v not in (None, ())})
    return search_repository.Scope.of(ctx.principal)


def _bound(ctx: Ctx, name: str, value: str | None, *, end: bool) -> datetime | None:
    if value is None:
        return None
    try:
        return instant_or_day(value, ctx.zone, end=end)
    except ValueError as exc:
        raise AppError("query_invalid", 422, reason=f"{name}: a date YYYY-MM-DD or a timestamp with its offset",
                       field_errors=[{"field": f"query.{name}", "code": "datetime_parsing"}]) from exc


async def case_filter(ctx: Ctx, q: s.CaseQuery) -> search_repository.CaseFilter:
    """The filter a query asks for, checked: a malformed date, an inverted range or an unknown place is a 422
    naming the parameter."""
    bounds = {name: _bound(ctx, name, getattr(q, name), end=name.endswith("_to"))
              for name in ("due_before", "created_from", "created_to", "updated_from", "updated_to")}
    for lo, hi in (("created_from", "created_to"), ("updated_from", "updated_to")):
        low, high = bounds[lo], bounds[hi]
        if low is not None and high is not None and low >= high:
            raise AppError("query_invalid", 422, reason=f"{lo} is after {hi}",
                           field_errors=[{"field": f"query.{lo}", "code": "range_inverted"}])
    prefix = None
    if q.region is not None:
        snap = await routing.snapshot(ctx.state, ctx.session)
        node = snap.regions.get(q.region)
        if node is None:
            raise AppError("region_not_found", 422, code=q.region,
                           field_errors=[{"field": "query.region", "code": "region_not_found"}])
        prefix = prefix_for(node.code, node.level)
    phone_hash = None
    if q.phone is not None:
        phone_hash = lookup_hash(ctx.state.keys.lookup_key, caller_phone_of(q.phone, "phone") or "")
    return search_repository.CaseFilter(
        status=tuple(q.status), kind=q.kind, category=q.category, unit_id=q.unit, overdue=q.overdue,
        due_before=bounds["due_before"], created_from=bounds["created_from"], created_to=bounds["created_to"],
        number=q.number, words=q.q, urgency=tuple(q.urgency), region_prefix=prefix, chased=q.chased,
        supervised=q.supervised, updated_from=bounds["updated_from"], updated_to=bounds["updated_to"],
        phone_hash=phone_hash)


async def search(ctx: Ctx, f: search_repository.CaseFilter, *, sort: str, cursor: list | None,
                 limit: int, count: bool = False) -> tuple[list[s.CaseSummary], list | None, Total | None]:
    """A page of the cases the caller may see that the filter selects (the same scope as every list)."""
    scope = search_repository.Scope.of(ctx.principal)
    try:
        rows, next_key = await search_repository.search(ctx.session, scope, f, now=ctx.now, sort=sort, cursor=cursor,
                                                 limit=limit)
    except (ValueError, TypeError, IndexError) as exc:
        raise AppError("cursor_invalid", 400) from exc
    total = None
    if count:
        value, exact = await search_repository.count(ctx.session, scope, f, now=ctx.now)
        total = Total(value=value, exact=exact)
    names = await reference.names_of(ctx.state, ctx.session, {r.category_code for r in rows}, ctx.english)
    items = [views.summary(r, names.get(r.category_code, r.category_code), ctx.now) for r in rows]
    if ctx.principal.role == Role.resident:  # their own cases: the desk's contact column is not theirs to read
        items = [item.model_copy(update={"caller_phone": None}) for item in items]
    return items, next_key, total
