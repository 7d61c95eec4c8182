"""HTTP for performance figures: units, the centre, rankings."""

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query

from app.core.auth import ClockDep, CurrentUser, SessionDep
from app.core.db import UnitOfWorkRoute
from app.metrics import service
from app.metrics.rates import UNIT_RATES, describe
from app.metrics.schemas import Performance, Ranking

router = APIRouter(prefix="/metrics", tags=["performance"], route_class=UnitOfWorkRoute)
PERIOD = "Half-open period [from, to) in ISO 8601 with an offset; default the 30 days before `to` (default now)."
RATES_DOC = describe()

From = Annotated[datetime | None, Query(alias="from", description=PERIOD)]
To = Annotated[datetime | None, Query(alias="to", description=PERIOD)]


@router.get("/units/{unit_id}", response_model=Performance, summary="A unit's performance in a period",
            description="Counts of the cases the unit leads (taken in the period), oversight marks, callbacks "
                        "and rates.\n\n" + RATES_DOC)
async def unit_metrics(unit_id: int, session: SessionDep, principal: CurrentUser, clock: ClockDep,
                       start: From = None, end: To = None) -> Performance:
    now = clock.now()
    return await service.unit_performance(session, principal, unit_id, service.period(start, end, now), now)


@router.get("/overview", response_model=Performance, summary="The centre's performance in a region and period",
            description="Counts of cases taken in the period in the region (default: the caller's district, or "
                        "everywhere for administrators), oversight marks, callbacks and rates.\n\n" + RATES_DOC)
async def overview(session: SessionDep, principal: CurrentUser, clock: ClockDep,
                   region: Annotated[str | None, Query(description="12-digit region code")] = None,
                   start: From = None, end: To = None) -> Performance:
    now = clock.now()
    return await service.overview(session, principal, region, service.period(start, end, now), now)


@router.get("/rankings", response_model=Ranking, summary="Units ranked by one rate",
            description="Best first (for `return`, lowest first); ties go to the unit with more cases. Units "
                        "with nothing to rate in the period are left out.\n\n" + RATES_DOC)
async def rankings(session: SessionDep, principal: CurrentUser, clock: ClockDep,
                   rate: Annotated[str, Query(description=", ".join(UNIT_RATES))],
                   region: Annotated[str | None, Query(description="12-digit region code")] = None,
                   start: From = None, end: To = None,
                   limit: Annotated[int, Query(ge=1, le=100)] = 20) -> Ranking:
    now = clock.now()
    return await service.ranking(session, principal, rate, region, service.period(start, end, now), limit)
