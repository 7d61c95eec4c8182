"""Performance of units and regions: scope checks, the period, then the rollups and the pure rate arithmetic."""

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from app.cases import reference
from app.core.auth import Principal
from app.core.context import Ctx
from app.core.db import id_of
from app.core.errors import AppError, NotFound
from app.core.region_codes import is_region_code, prefix_for
from app.core.roles import Role
from app.core.romanize import place_name_en
from app.metrics import periods
from app.metrics import repository as q
from app.metrics.periods import Days, PeriodError
from app.metrics.rates import CENTRE_RATES, DEFINITIONS, UNIT_RATES, Rate, add_day, empty, rank, rates_of
from app.metrics.schemas import (
    Callbacks,
    Counts,
    Performance,
    Period,
    Ranking,
    RankingRow,
    RegionBrief,
    StreetBrief,
    Trend,
    TrendPoint,
)
from app.models import Region, Unit
from app.regions import repository as regions
from app.units import repository as units
from app.units.schemas import UnitBrief

CENTRE_ROLES = {Role.admin, Role.agent, Role.dispatcher}
TREND_MONTHS = 12


# ---------------------------------------------------------------- periods


def _today(ctx: Ctx) -> date:
    return ctx.now.astimezone(ctx.zone).date()


def period_of(ctx: Ctx, *, month: str | None, start: str | None, end: str | None) -> Days:
    try:
        return periods.parse(month=month, start=start, end=end, now=ctx.now, zone=ctx.zone)
    except PeriodError as exc:
        raise AppError(exc.code, 422, field_errors=[{"field": f"query.{exc.field}", "code": exc.code}],
                       **exc.params) from exc


def month_of(ctx: Ctx, month: str | None) -> date:
    if month is None:
        return _today(ctx).replace(day=1)
    try:
        return periods.parse_month(month)
    except PeriodError as exc:
        raise AppError(exc.code, 422, field_errors=[{"field": "query.month", "code": exc.code}],
                       **exc.params) from exc


def describe_period(days: Days, zone: ZoneInfo, today: date) -> Period:
    through = min(days.last, today - timedelta(days=1))
    return Period(first_day=days.first, last_day=days.last, start=days.start(zone), end=days.end(zone),
                  label=days.label, complete=days.last < today,
                  deadlines_through=through if through >= days.first else None)


# ---------------------------------------------------------------- scopes


def _may_read_unit(principal: Principal, unit: Unit) -> None:
    if principal.role == Role.unit_staff:
        if principal.unit_id != unit.id:
            raise AppError("forbidden", 403)
    elif principal.role not in CENTRE_ROLES:
        raise AppError("forbidden", 403)
    elif principal.district_scope and not unit.region_code.startswith(principal.district_scope):
        raise NotFound("unit_not_found", unit_id=unit.id)


async def _unit(ctx: Ctx, unit_id: int) -> Unit:
    unit = await units.get(ctx.session, unit_id)
    if unit is None:
        raise NotFound("unit_not_found", unit_id=unit_id)
    _may_read_unit(ctx.principal, unit)
    return unit


def _centre_only(principal: Principal) -> None:
    if principal.role not in CENTRE_ROLES:
        raise AppError("forbidden", 403)


async def _region(session: AsyncSession, code: str | None, principal: Principal) -> Region | None:
    """The region asked for, or the caller's district; None: everywhere (an administrator)."""
    scope = principal.district_scope
    if code is None:
        code = f"{scope}000000" if scope else None
    if code is None:
        return None
    if not is_region_code(code):
        raise AppError("region_code_invalid", 422, field_errors=[{"field": "query.region",
                                                                  "code": "region_code_invalid"}])
    region = await regions.get(session, code)
    if region is None:
        raise AppError("region_not_found", 422, code=code, field_errors=[{"field": "query.region",
                                                                         "code": "region_not_found"}])
    if scope and not prefix_for(region.code, region.level).startswith(scope):
        raise AppError("region_outside_scope", 422, code=code,
                       field_errors=[{"field": "query.region", "code": "region_outside_scope"}])
    return region


def _prefix(region: Region | None) -> str:
    return prefix_for(region.code, region.level) if region else ""


def _place(ctx: Ctx, region: Region) -> str:
    return (region.name_en or place_name_en(region.name)) if ctx.english else region.name


def _brief(region: Region | None, ctx: Ctx) -> RegionBrief | None:
    return RegionBrief(code=region.code, name=_place(ctx, region), level=region.level) if region else None


async def _unit_briefs(ctx: Ctx, ids: set[int]) -> dict[int, UnitBrief]:
    """Units named in the reader's language."""
    refs = await reference.units(await reference.snapshot(ctx.state, ctx.session), ctx.session, ids)
    return {i: UnitBrief.of(ref, ctx.english) for i, ref in refs.items()}


# ---------------------------------------------------------------- figures


def _counts(total: q.Counts) -> Counts:
    return Counts(taken=total["taken"], merged_duplicates=total["merged"], direct_answered=total["direct_answered"],
                  dispatched=total["dispatched"], returned=total["returned"], replied=total["replied"])


def _callbacks(total: q.Counts) -> Callbacks:
    return Callbacks(valid=total["cb_valid"], solved=total["cb_solved"], satisfied=total["cb_satisfied"],
                     basically_satisfied=total["cb_basic"], dissatisfied=total["cb_dissatisfied"],
                     redo=total["cb_redo"])


async def unit_performance(ctx: Ctx, unit_id: int, days: Days) -> Performance:
    unit = await _unit(ctx, unit_id)
    today = _today(ctx)
    total = await q.total(ctx.session, q.Scope(unit_id=unit.id), days.first, days.last, today)
    brief = (await _unit_briefs(ctx, {id_of(unit)}))[id_of(unit)]
    return Performance(period=describe_period(days, ctx.zone, today), unit=brief,
                       counts=_counts(total), callbacks=_callbacks(total), rates=rates_of(total, UNIT_RATES))


async def overview(ctx: Ctx, region_code: str | None, days: Days) -> Performance:
    _centre_only(ctx.principal)
    region = await _region(ctx.session, region_code, ctx.principal)
    today = _today(ctx)
    total = await q.total(ctx.session, q.Scope(region_prefix=_prefix(region)), days.first, days.last, today)
    return Performance(period=describe_period(days, ctx.zone, today), region=_brief(region, ctx),
                       counts=_counts(total),
                       callbacks=_callbacks(total), rates=rates_of(total, CENTRE_RATES))


# ---------------------------------------------------------------- trends


async def _trend(ctx: Ctx, scope: q.Scope, last_month: date, names: tuple[str, ...]) -> tuple[list[TrendPoint],
                                                                                              list[TrendPoint]]:
    today = _today(ctx)
    months = periods.months_back(last_month, TREND_MONTHS)
    weeks = periods.weeks_covering(months[0].first, min(months[-1].last, max(today, months[0].first)))
    first, last = min(months[0].first, weeks[0].first), max(months[-1].last, weeks[-1].last)
    daily = dict(await q.by_day(ctx.session, scope, first, last))

    def point(days: Days) -> TrendPoint:
        total = empty()
        for offset in range(days.count):
            day = days.first + timedelta(days=offset)
            if day in daily:
                add_day(total, day, daily[day], today)
        return TrendPoint(period=describe_period(days, ctx.zone, today), counts=_counts(total),
                          rates=rates_of(total, names))

    return [point(m) for m in months], [point(w) for w in weeks]


async def unit_trend(ctx: Ctx, unit_id: int, month: date) -> Trend:
    unit = await _unit(ctx, unit_id)
    months, weeks = await _trend(ctx, q.Scope(unit_id=unit.id), month, UNIT_RATES)
    return Trend(unit=(await _unit_briefs(ctx, {id_of(unit)}))[id_of(unit)], months=months, weeks=weeks)


async def region_trend(ctx: Ctx, region_code: str | None, month: date) -> Trend:
    _centre_only(ctx.principal)
    region = await _region(ctx.session, region_code, ctx.principal)
    months, weeks = await _trend(ctx, q.Scope(region_prefix=_prefix(region)), month, CENTRE_RATES)
    return Trend(region=_brief(region, ctx), months=months, weeks=weeks)


# ---------------------------------------------------------------- rankings


def _ranked(figures: dict[Any, dict[str, Rate]], rate_name: str, limit: int) -> list[tuple[Any, Rate]]:
    """The rows with something to rate, best first, at most `limit`."""
    rated = {key: rates[rate_name] for key, rates in figures.items() if rates[rate_name].denominator}
    return [(key, r) for key, r in rank(rated, rate_name)[:limit]]


async def ranking(ctx: Ctx, of: str, rate_name: str, region_code: str | None, days: Days, limit: int) -> Ranking:
    _centre_only(ctx.principal)
    if of == "units" and DEFINITIONS[rate_name].centre_only:
        raise AppError("query_invalid", 422, reason=f"{rate_name} is the centre's rate: rank streets by it",
                       field_errors=[{"field": "query.rate", "code": "enum", "message": ", ".join(UNIT_RATES)}])
    region = await _region(ctx.session, region_code, ctx.principal)
    prefix, today = _prefix(region), _today(ctx)
    items: list[RankingRow] = []
    if of == "units":
        per_unit = await q.per_unit(ctx.session, prefix, days.first, days.last, today)
        figures = {unit_id: rates_of(total, UNIT_RATES) for unit_id, total in per_unit.items()}
        ordered = _ranked(figures, rate_name, limit)
        found = await _unit_briefs(ctx, {unit_id for unit_id, _ in ordered})
        for i, (unit_id, r) in enumerate(ordered):
            items.append(RankingRow(rank=i + 1, unit=found[unit_id], rate=r,
                                    rates=figures[unit_id]))
    else:
        per_street = await q.per_street(ctx.session, prefix, days.first, days.last, today)
        street_figures = {street: rates_of(total, CENTRE_RATES) for street, total in per_street.items()}
        streets = await q.streets_in(ctx.session, prefix)
        for i, (code, r) in enumerate(_ranked(street_figures, rate_name, limit)):
            region_row = streets.get(code)
            brief = StreetBrief(code=region_row.code if region_row else f"{code}000",
                                name=_place(ctx, region_row) if region_row else code)
            items.append(RankingRow(rank=i + 1, street=brief, rate=r, rates=street_figures[code]))
    return Ranking(of=of, rate=rate_name, higher_is_better=DEFINITIONS[rate_name].higher_is_better,
                   period=describe_period(days, ctx.zone, today), region=_brief(region, ctx), items=items)


# ---------------------------------------------------------------- the form units hand in


@dataclass(frozen=True)
class FormRow:
    unit: Unit | None  # None: the region's own total
    counts: q.Counts
    rates: dict[str, Rate]


@dataclass(frozen=True)
class Form:
    period: Period
    region: RegionBrief | None
    rows: list[FormRow]
    total: FormRow


async def form(ctx: Ctx, region_code: str | None, days: Days) -> Form:
    """One row per active unit of the region (zeros included: every unit hands the form in), and the region's own
    figures (every case placed there, whoever handled it; not the sum of the rows)."""
    _centre_only(ctx.principal)
    region = await _region(ctx.session, region_code, ctx.principal)
    prefix, today = _prefix(region), _today(ctx)
    listed = await q.units_in(ctx.session, prefix)
    totals = await q.per_unit(ctx.session, prefix, days.first, days.last, today)
    rows = []
    for unit in listed:
        total = totals.get(unit.id, empty()) if unit.id is not None else empty()
        rows.append(FormRow(unit, total, rates_of(total, UNIT_RATES)))
    whole = await q.total(ctx.session, q.Scope(region_prefix=prefix), days.first, days.last, today)
    return Form(period=describe_period(days, ctx.zone, today), region=_brief(region, ctx), rows=rows,
                total=FormRow(None, whole, rates_of(whole, CENTRE_RATES)))
