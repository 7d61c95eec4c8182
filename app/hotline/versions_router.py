"""HTTP for the classifier's versions (administrators): queue a training, list versions with their held-out
evaluation, promote one, roll back. Nothing is put in force without a call here."""

from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from app.core.auth import AdminUser
from app.core.context import CtxDep
from app.core.db import UnitOfWorkRoute
from app.hotline import repository, versions
from app.hotline.schemas import ClassifierModelDetail, ClassifierModelRead, ClassifierModels, Promotion, Rollback
from app.models import ClassifierModel

router = APIRouter(prefix="/admin/classifier", tags=["hotline"], route_class=UnitOfWorkRoute)
Version = Annotated[int, Path(ge=1, description="The version's id")]


def _at(value: Any) -> str | None:
    return None if value is None else value.isoformat()


def _evaluation(figures: dict[str, Any] | None, held_out: int | None = None) -> dict[str, Any] | None:
    if not figures:
        return None
    return {"top1": figures.get("top1"), "top3": figures.get("top3"), "held_out": figures.get("n", held_out or 0),
            "by_source": figures.get("by_source", {})}


def shown(row: ClassifierModel) -> dict[str, Any]:
    return {"id": row.id, "status": row.status, "in_force": row.active, "requested_at": _at(row.requested_at),
            "started_at": _at(row.started_at), "finished_at": _at(row.finished_at), "seconds": row.seconds,
            "error": row.error, "trained_on": row.counts, "evaluation": _evaluation(row.report),
            "compared_with": row.baseline_id, "compared_with_evaluation": _evaluation(row.baseline),
            "promoted_at": _at(row.promoted_at), "previous_id": row.previous_id}


@router.post("/models", status_code=202, response_model=ClassifierModelRead,
             summary="Queue a new classifier version for the worker to train",
             description="The worker trains it on the seed's utterances, the imported history "
                         "(`POST /admin/imports/classifier-history`) and the agents' corrections, and measures it and "
                         "the version in force on the same held-out texts. It is never put in force automatically: "
                         "promote it. One version waits at a time (`classifier_training_pending`).")
async def train(ctx: CtxDep, _: AdminUser) -> ClassifierModelRead:
    return ClassifierModelRead(**shown(await versions.queue(ctx)))


@router.get("/models", response_model=ClassifierModels, summary="The classifier's versions, newest first")
async def list_models(ctx: CtxDep, _: AdminUser,
                      limit: Annotated[int, Query(ge=1, le=200)] = 50) -> ClassifierModels:
    rows = await repository.models(ctx.session, limit)
    active = await repository.active_model_id(ctx.session)
    return ClassifierModels(in_force=active, versions=[ClassifierModelRead(**shown(r)) for r in rows])


@router.get("/models/{version}", response_model=ClassifierModelDetail,
            summary="A classifier version, with its held-out accuracy per category")
async def get_model(ctx: CtxDep, _: AdminUser, version: Version) -> ClassifierModelDetail:
    row = await versions.get(ctx, version)
    return ClassifierModelDetail(**shown(row), by_category=row.report.get("by_category", {}))


@router.post("/models/{version}/promote", response_model=Promotion,
             summary="Put a trained version in force",
             description="Answers its held-out evaluation against the version it was measured with. A version whose "
                         "top-1 is below that one's is refused (409 `classifier_model_worse`) unless "
                         "`accept_lower=true`. Every process uses it within CSC_ROUTING_CACHE_SECONDS.")
async def promote(ctx: CtxDep, _: AdminUser, version: Version,
                  accept_lower: Annotated[bool, Query(description="Promote even with a lower held-out top-1")] = False,
                  ) -> Promotion:
    row, replaced = await versions.promote(ctx, version, accept_lower)
    base = row.baseline or {}
    def change(key: str) -> float | None:
        mine, theirs = getattr(row, key), base.get(key)
        return None if mine is None or theirs is None else round(mine - theirs, 4)

    replaced_id = None if replaced is None else replaced.id
    return Promotion(in_force=ClassifierModelRead(**shown(row)), replaced=replaced_id, compared_with=row.baseline_id,
                     compared_with_in_force=row.baseline_id == replaced_id, top1_change=change("top1"),
                     top3_change=change("top3"))


@router.post("/rollback", response_model=Rollback,
             summary="Restore the version in force before the current one (in the end, the shipped model)")
async def rollback(ctx: CtxDep, _: AdminUser) -> Rollback:
    taken_out, restored = await versions.rollback(ctx)
    assert taken_out.id is not None
    return Rollback(taken_out=taken_out.id, in_force=None if restored is None else restored.id)
