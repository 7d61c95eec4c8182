"""Performance of units and the centre: scope checks, then the queries, then the pure rate arithmetic."""

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from app.core.auth import Principal
from app.core.errors import AppError, NotFound
from app.core.region_codes import is_region_code, prefix_for
from app.core.roles import Role
from app.metrics import repository as q
from app.metrics.rates import CENTRE_RATES, DEFINITIONS, UNIT_RATES, Rate, rank, rate
from app.metrics.schemas import (
    Callbacks,
    Counts,
    OversightCounts,
    Performance,
    Period,
    Ranking,
    RankingRow,
    RegionBrief,
)
from app.models import Region, Unit
from app.regions import repository as regions
from app.units import repository as units
from app.units.schemas import UnitBrief

CENTRE_ROLES = {Role.admin, Role.agent, Role.dispatcher}
DEFAULT_DAYS = 30
MAX_DAYS = 366


def period(start: datetime | None, end: datetime | None, now: datetime) -> Period:
    for name, value in (("from", start), ("to", end)):
        if value is not None and value.tzinfo is None:
            raise AppError("query_invalid", 422, reason=f"{name} needs a UTC offset",
                           field_errors=[{"field": name, "code": "datetime_parsing"}])
    end = end or now
    start = start or end - timedelta(days=DEFAULT_DAYS)
    if start >= end:
        raise AppError("period_invalid", 422, field_errors=[{"field": "from", "code": "period_invalid"}])
    if end - start > timedelta(days=MAX_DAYS):
        raise AppError("period_too_long", 422, days=MAX_DAYS,
                       field_errors=[{"field": "from", "code": "period_too_long"}])
    return Period(start=start, end=end)


async def _region(session: AsyncSession, code: str | None, principal: Principal) -> Region | None:
    scope = principal.district_scope
    if code is None:
        code = f"{scope}000000" if scope else None
    if code is None:
        return None
    if not is_region_code(code):
        raise AppError("region_code_invalid", 422, field_errors=[{"field": "region", "code": "region_code_invalid"}])
    region = await regions.get(session, code)
    if region is None:
        raise AppError("region_not_found", 422, code=code, field_errors=[{"field": "region",
                                                                         "code": "region_not_found"}])
    if scope and not prefix_for(region.code, region.level).startswith(scope):
        raise AppError("region_outside_scope", 422, code=code,
                       field_errors=[{"field": "region", "code": "region_outside_scope"}])
    return region


async def _figures(session: AsyncSession, sl: q.Slice, now: datetime, rates: tuple[str, ...]) -> dict[str, Any]:
    taken = await q.taken(session, sl, now)
    by = taken.by
    counts = Counts(total=taken.total, by_status=by["status"], by_kind=by["kind"], by_category=by["category_code"],
                    by_work_order_type=by["work_order_type"], merged_duplicates=taken.merged)
    response = (await q.response(session, sl)).get(None, (0, 0))
    cb = (await q.callbacks(session, sl)).get(None) or dict.fromkeys(Callbacks.model_fields, 0)
    on_time = (await q.on_time(session, sl)).get(None, (0, 0))
    returned = (await q.returns(session, sl)).get(None, 0)
    values: dict[str, Rate] = {
        "response": rate(*response),
        "resolution": rate(cb["solved"], cb["valid"]),
        "satisfaction": rate(cb["satisfied"] + cb["basically_satisfied"], cb["valid"]),
        "on_time": rate(*on_time),
        "return": rate(returned, response[1]),
    }
    if "direct_answer" in rates:
        values["direct_answer"] = rate(taken.direct_answered, taken.total)
    return {"counts": counts, "oversight": OversightCounts(**taken.oversight),
            "callbacks": Callbacks(**cb), "rates": {name: values[name] for name in rates}}


async def unit_performance(session: AsyncSession, principal: Principal, unit_id: int, per: Period,
                           now: datetime) -> Performance:
    unit = await units.get(session, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", unit_id=unit_id)
    if principal.role == Role.unit_staff:
        if principal.unit_id != unit.id:
            raise AppError("forbidden", 403)
    elif principal.role not in CENTRE_ROLES:
        raise AppError("forbidden", 403)
    elif principal.district_scope and not unit.region_code.startswith(principal.district_scope):
        raise NotFound("unit_not_found", unit_id=unit_id)
    sl = q.Slice(start=per.start, end=per.end, unit_id=unit.id)
    return Performance(period=per, unit=UnitBrief.model_validate(unit), **await _figures(session, sl, now,
                                                                                         UNIT_RATES))


def _brief(region: Region | None) -> RegionBrief | None:
    return RegionBrief(code=region.code, name=region.name, level=region.level) if region else None


async def overview(session: AsyncSession, principal: Principal, region_code: str | None, per: Period,
                   now: datetime) -> Performance:
    if principal.role not in CENTRE_ROLES:
        raise AppError("forbidden", 403)
    region = await _region(session, region_code, principal)
    sl = q.Slice(start=per.start, end=per.end, region_prefix=prefix_for(region.code, region.level) if region
                 else None)
    return Performance(period=per, region=_brief(region), **await _figures(session, sl, now, CENTRE_RATES))


async def ranking(session: AsyncSession, principal: Principal, rate_name: str, region_code: str | None,
                  per: Period, limit: int) -> Ranking:
    if principal.role not in CENTRE_ROLES:
        raise AppError("forbidden", 403)
    if rate_name not in UNIT_RATES:
        raise AppError("query_invalid", 422, reason=f"unknown rate {rate_name}",
                       field_errors=[{"field": "rate", "code": "enum", "message": ", ".join(UNIT_RATES)}])
    region = await _region(session, region_code, principal)
    sl = q.Slice(start=per.start, end=per.end, by_unit=True,
                 region_prefix=prefix_for(region.code, region.level) if region else None)
    rows: dict[int, Rate] = {}
    if rate_name in ("response", "return"):
        dispatches = await q.response(session, sl)
        if rate_name == "response":
            rows = {u: rate(n, d) for u, (n, d) in dispatches.items()}
        else:
            returned = await q.returns(session, sl)
            rows = {u: rate(returned.get(u, 0), d) for u, (_, d) in dispatches.items()}
    elif rate_name == "on_time":
        rows = {u: rate(n, d) for u, (n, d) in (await q.on_time(session, sl)).items()}
    else:
        for u, cb in (await q.callbacks(session, sl)).items():
            if u is None:
                continue  # direct answers have no unit to rank
            hits = cb["solved"] if rate_name == "resolution" else cb["satisfied"] + cb["basically_satisfied"]
            rows[u] = rate(hits, cb["valid"])
    ordered = rank(rows, rate_name)[:limit]
    found: dict[int, Unit] = await units.get_many(session, {u for u, _ in ordered})
    items = [RankingRow(rank=i + 1, unit=UnitBrief.model_validate(found[u]), rate=r)
             for i, (u, r) in enumerate(ordered)]
    return Ranking(rate=rate_name, higher_is_better=DEFINITIONS[rate_name].higher_is_better, period=per,
                   region=_brief(region), items=items)
