"""Every query hotline intake and the classifier's versions make."""

from datetime import datetime
from typing import Any

from sqlalchemy import BindParameter, and_, bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from app.cases.repository import OPEN_STATUSES
from app.cases.search_repository import Scope, scope_clause
from app.core.db import id_of
from app.core.direct import Direct
from app.core.loads import Load
from app.hotline.similar import Candidate
from app.models import Case, ClassifierArtefact, ClassifierExample, ClassifierFeedback, ClassifierModel

MAX_CANDIDATES = 500


def _each(name: str, n: int) -> list[BindParameter[Any]]:
    """`n` parameters for an IN list built once for its length (`name0`, `name1`, …), filled by `_values`."""
    return [bindparam(f"{name}{i}") for i in range(n)]


def _values(name: str, values: list[Any]) -> dict[str, Any]:
    return {f"{name}{i}": v for i, v in enumerate(values)}


def _candidates_statement(*, box: bool, exclude: bool, regions: int, districts: int) -> Direct:
    place = col(Case.region_code).in_(_each("region", regions))
    if box:
        place = or_(place, and_(col(Case.latitude).between(bindparam("south"), bindparam("north")),
                                col(Case.longitude).between(bindparam("west"), bindparam("east"))))
    stmt = (select(col(Case.id), col(Case.description), col(Case.region_code), col(Case.latitude),
                   col(Case.longitude))
            .where(col(Case.category_code) == bindparam("category"),
                   col(Case.district_code).in_(_each("district", districts)), place,
                   col(Case.status).in_([bindparam(f"status{i}", value=s) for i, s in enumerate(OPEN_STATUSES)]),
                   col(Case.created_at) >= bindparam("since"))
            .order_by(col(Case.id).desc()).limit(MAX_CANDIDATES))
    return Direct(stmt.where(col(Case.id) != bindparam("exclude_id")) if exclude else stmt)


# Built once for each shape (coordinates given or not, a case left out or not, how many communities and districts
# around): every intake looks for its likely duplicates. Handed to the driver (app.core.direct).
_CANDIDATES: dict[tuple[bool, bool, int, int], Direct] = {}


async def similar_candidates(session: AsyncSession, *, category: str, region_code: str, since: datetime,
                             exclude_id: int | None,
                             box: tuple[float, float, float, float] | None = None,
                             nearby: frozenset[str] = frozenset()) -> list[Candidate]:
    """Open cases of the category since `since` in the same community or a nearby one (a boundary within the
    radius), or inside `box` (lat/long bounds) when the case has coordinates; the pure ranker applies the exact
    place rules."""
    regions = [region_code, *sorted(nearby)]
    districts = sorted({region_code[:6], *(c[:6] for c in nearby)})
    params: dict[str, object] = {"category": category, "since": since,
                                 **_values("region", regions), **_values("district", districts)}
    if exclude_id is not None:
        params["exclude_id"] = exclude_id
    if box is not None:
        params.update(south=box[0], north=box[1], west=box[2], east=box[3])
    shape = (box is not None, exclude_id is not None, len(regions), len(districts))
    stmt = _CANDIDATES.get(shape)
    if stmt is None:
        stmt = _CANDIDATES[shape] = _candidates_statement(box=shape[0], exclude=shape[1], regions=shape[2],
                                                          districts=shape[3])
    return [Candidate(*row) for row in await stmt.rows(session, params)]


# One for each number of ids (the ranker keeps a few): the likely duplicates an intake answers with.
_CASES_BY_IDS: dict[int, Load[Case]] = {}


async def cases_by_ids(session: AsyncSession, ids: list[int]) -> dict[int, Case]:
    if not ids:
        return {}
    load = _CASES_BY_IDS.get(len(ids))
    if load is None:
        load = _CASES_BY_IDS[len(ids)] = Load(Case, col(Case.id).in_(_each("id", len(ids))), refresh=False)
    found = await load.all(session, _values("id", ids))
    return {id_of(c): c for c in found}


async def caller_orders(session: AsyncSession, scope: Scope, phone_hash: str, before_id: int | None,
                        limit: int) -> list[Case]:
    stmt = select(Case).where(Case.caller_phone_hash == phone_hash)
    clause = scope_clause(scope)
    if clause is not None:
        stmt = stmt.where(clause)
    if before_id is not None:
        stmt = stmt.where(Case.id < before_id)
    return list((await session.execute(stmt.order_by(Case.id.desc()).limit(limit))).scalars())


def add_feedback(session: AsyncSession, feedback: ClassifierFeedback) -> None:
    session.add(feedback)


async def history(session: AsyncSession) -> list[tuple[str, str]]:
    """The imported history as (category, text), oldest first."""
    rows = await session.execute(select(ClassifierExample.category, ClassifierExample.text)
                                 .order_by(ClassifierExample.id))
    return [(c, t) for c, t in rows.all()]


async def corrections(session: AsyncSession) -> list[tuple[str, str]]:
    """The agents' corrections as (chosen category, text), oldest first (a later one on the same text wins)."""
    rows = await session.execute(select(ClassifierFeedback.chosen, ClassifierFeedback.text)
                                 .order_by(ClassifierFeedback.at, ClassifierFeedback.id))
    return [(c, t) for c, t in rows.all()]


async def models(session: AsyncSession, limit: int) -> list[ClassifierModel]:
    stmt = select(ClassifierModel).order_by(ClassifierModel.id.desc()).limit(limit)  # type: ignore[union-attr]
    return list((await session.execute(stmt)).scalars())


async def model(session: AsyncSession, model_id: int) -> ClassifierModel | None:
    return await session.get(ClassifierModel, model_id)


async def active_model(session: AsyncSession) -> ClassifierModel | None:
    stmt = select(ClassifierModel).where(ClassifierModel.active.is_(True)).limit(1)  # type: ignore[attr-defined]
    return (await session.execute(stmt)).scalars().first()


async def active_model_id(session: AsyncSession) -> int | None:
    stmt = select(ClassifierModel.id).where(ClassifierModel.active.is_(True)).limit(1)  # type: ignore[attr-defined]
    return (await session.execute(stmt)).scalar()


async def pending_model(session: AsyncSession, statuses: tuple[str, ...] = ("queued",)) -> ClassifierModel | None:
    """The oldest version in one of the statuses (by default: waiting for the worker)."""
    stmt = (select(ClassifierModel).where(ClassifierModel.status.in_(statuses))  # type: ignore[attr-defined]
            .order_by(ClassifierModel.id).limit(1))
    return (await session.execute(stmt)).scalars().first()


async def claim_model(session: AsyncSession, model_id: int, now: datetime) -> bool:
    """Marks a queued version as training; False when another worker claimed it first."""
    result = await session.execute(update(ClassifierModel)
                                   .where(ClassifierModel.id == model_id, ClassifierModel.status == "queued")
                                   .values(status="training", started_at=now))
    return bool(getattr(result, "rowcount", 0))


async def artefact(session: AsyncSession, model_id: int) -> bytes | None:
    row = await session.get(ClassifierArtefact, model_id)
    return None if row is None else row.data


def add(session: AsyncSession, row: object) -> None:
    session.add(row)


async def flush(session: AsyncSession) -> None:
    await session.flush()
