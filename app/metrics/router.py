"""HTTP for performance figures: units, regions, trends, rankings and the form units hand in."""

from typing import Annotated, Literal, get_args

from fastapi import APIRouter, Query
from fastapi.responses import Response

from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.metrics import export, service
from app.metrics.rates import RATE_NAMES, describe
from app.metrics.schemas import Performance, Ranking, Trend

# UnitOfWorkRoute refuses query parameters a route does not take (`?mnth=2026-11` is a 422, not this month).
router = APIRouter(prefix="/metrics", tags=["performance"], route_class=UnitOfWorkRoute)
RATES_DOC = describe()
PERIOD_DOC = ("The period, as whole local days (Asia/Shanghai): `month=2026-11`; or `from`/`to` as dates "
              "(`from=2026-11-01&to=2026-11-30`, both days included) or as instants with their offset that fall on "
              "a local midnight (`to` excluded); default the current month so far. Only `from`: up to today; only "
              "`to`: the 30 days ending there. At most 366 days. Unknown query parameters are refused.")

Month = Annotated[str | None, Query(description="A calendar month, YYYY-MM", examples=["2026-11"])]
From = Annotated[str | None, Query(alias="from", description="First day (YYYY-MM-DD, included) or first instant "
                                                             "(ISO 8601 with offset, a local midnight)")]
To = Annotated[str | None, Query(alias="to", description="Last day (YYYY-MM-DD, included) or end instant "
                                                         "(ISO 8601 with offset, a local midnight, excluded)")]
RegionCode = Annotated[str | None, Query(description="12-digit region code: a street (subdistrict), a district or "
                                                     "the city; default the caller's district (everywhere for "
                                                     "administrators)")]
TrendMonth = Annotated[str | None, Query(description="The last month of the series, YYYY-MM; default the current "
                                                     "month")]
RateName = Literal["response", "resolution", "satisfaction", "on_time_signing", "on_time_handling", "return", "redo",
                   "direct_answer", "extension", "override"]
assert set(get_args(RateName)) == set(RATE_NAMES)


@router.get("/units/{unit_id}", response_model=Performance, summary="A unit's performance in a period",
            description="The unit's counts, callbacks and rates (every rate but the centre's direct-answer rate), "
                        "from the daily rollups.\n\n" + PERIOD_DOC + "\n\n" + RATES_DOC)
async def unit_metrics(ctx: CtxDep, unit_id: int, month: Month = None, start: From = None,
                       end: To = None) -> Performance:
    days = service.period_of(ctx, month=month, start=start, end=end)
    return await service.unit_performance(ctx, unit_id, days)


@router.get("/units/{unit_id}/trend", response_model=Trend, summary="A unit's monthly and weekly series",
            description="The 12 months ending with `month`, and the ISO weeks covering them, each with counts and "
                        "rates (numerator and denominator beside each).\n\n" + RATES_DOC)
async def unit_trend(ctx: CtxDep, unit_id: int, month: TrendMonth = None) -> Trend:
    return await service.unit_trend(ctx, unit_id, service.month_of(ctx, month))


@router.get("/overview", response_model=Performance, summary="A region's performance in a period",
            description="Every case placed in the region (a street, a district or the city), whoever handled it: "
                        "counts, callbacks and every rate, the direct-answer rate included.\n\n" + PERIOD_DOC
                        + "\n\n" + RATES_DOC)
async def overview(ctx: CtxDep, region: RegionCode = None, month: Month = None, start: From = None,
                   end: To = None) -> Performance:
    days = service.period_of(ctx, month=month, start=start, end=end)
    return await service.overview(ctx, region, days)


@router.get("/overview/trend", response_model=Trend, summary="A region's monthly and weekly series",
            description="For a street, a district or the city: the 12 months ending with `month`, and the ISO weeks "
                        "covering them, each with counts and rates.\n\n" + RATES_DOC)
async def overview_trend(ctx: CtxDep, region: RegionCode = None, month: TrendMonth = None) -> Trend:
    return await service.region_trend(ctx, region, service.month_of(ctx, month))


@router.get("/rankings", response_model=Ranking, summary="Units or streets ranked by one rate",
            description="Best first (for the rates where lower is better, lowest first); ties go to the larger "
                        "denominator. Each row carries every rate with its numerator and denominator. Units are "
                        "those whose own region lies in `region`; rows with nothing to rate are left out.\n\n"
                        + PERIOD_DOC + "\n\n" + RATES_DOC)
async def rankings(ctx: CtxDep, rate: Annotated[RateName, Query(description="The rate to rank by")],
                   of: Annotated[Literal["units", "streets"], Query(description="What to rank")] = "units",
                   region: RegionCode = None, month: Month = None, start: From = None, end: To = None,
                   limit: Annotated[int, Query(ge=1, le=500)] = 20) -> Ranking:
    days = service.period_of(ctx, month=month, start=start, end=end)
    return await service.ranking(ctx, of, rate, region, days, limit)


@router.get("/export", summary="The form units hand in: a period's figures per unit, as CSV or Excel",
            response_class=Response,
            responses={200: {"content": {"text/csv": {}, export.XLSX: {}},
                             "description": "One row per active unit of the region: counts, and for every rate its "
                                            "numerator, denominator and value. The workbook adds the region's own "
                                            "figures and a definitions sheet."}},
            description=PERIOD_DOC + "\n\n" + RATES_DOC)
async def export_form(ctx: CtxDep, format: Annotated[Literal["csv", "xlsx"], Query(description="csv or xlsx")] = "xlsx",
                      region: RegionCode = None, month: Month = None, start: From = None,
                      end: To = None) -> Response:
    days = service.period_of(ctx, month=month, start=start, end=end)
    form = await service.form(ctx, region, days)
    place = form.region.code if form.region else "all"
    name = f"performance-{place}-{form.period.label.replace('/', '_')}.{format}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"'}
    if format == "csv":
        return Response(export.to_csv(form), media_type="text/csv; charset=utf-8", headers=headers)
    return Response(export.to_xlsx(form), media_type=export.XLSX, headers=headers)
