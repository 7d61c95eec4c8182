"""The classifier's versions: the model in force in every process, training queued by an administrator and run
by the worker, promotion and rollback. Never commits (the worker's sweep commits its own transactions).

No version is ever put in force automatically. The worker trains a queued version on the seed's utterances,
the imported history and the agents' corrections, measures it and the model in force on the same held-out texts
(app/hotline/training.py), and stores both figures. An administrator promotes it; a version whose held-out
top-1 is below the model it was measured against is refused unless the administrator accepts that
(`accept_lower`). A rollback restores the model that was in force when the current one was promoted (in the end,
the shipped model, trained from seed/ by every process). Training runs in a spawned process of its own. Every
process reads which version is in force at most `CSC_ROUTING_CACHE_SECONDS` after a change (the process that
made it, at once) and loads its weights once.
"""

import asyncio
import logging
import multiprocessing
import time
from concurrent.futures import ProcessPoolExecutor
from functools import lru_cache
from pathlib import Path

from sqlalchemy.ext.asyncio import AsyncSession

from app.core import audit
from app.core.context import Ctx
from app.core.db import after_commit
from app.core.errors import AppError, NotFound
from app.core.state import AppState
from app.hotline import repository
from app.hotline.classifier import Classifier, Example, Knowledge, load_examples, load_knowledge, split
from app.hotline.training import Corpus, retrain_stored
from app.models import ClassifierArtefact, ClassifierModel

log = logging.getLogger("app.hotline.versions")
CACHE_KEY = "classifier_version"
_training = asyncio.Lock()
_loaded: dict[int, Classifier] = {}  # the version in force's weights, by version


@lru_cache(maxsize=2)
def _shipped(seed_dir: str) -> Classifier:
    # The shipped model is the one the held-out accuracy describes: trained on the training split only.
    if (prepared := _prepared.pop(seed_dir, None)) is not None:
        return prepared
    train, _ = split(load_examples(Path(seed_dir)))
    return Classifier(train, knowledge(seed_dir))


_prepared: dict[str, Classifier] = {}  # trained by another process (app/hotline/preload.py), taken by `_shipped`


def install_shipped(seed_dir: Path, model: Classifier) -> None:
    """The shipped model, trained elsewhere: `train_shipped` answers with it instead of training in this process."""
    _prepared[str(seed_dir)] = model


@lru_cache(maxsize=2)
def knowledge(seed_dir: str) -> Knowledge:
    return load_knowledge(Path(seed_dir))


def train_shipped(seed_dir: Path) -> Classifier:
    """The shipped model, trained now if it is not yet (serve calls this before it takes requests)."""
    return _shipped(str(seed_dir))


async def shipped(state: AppState) -> Classifier:
    seed_dir = str(state.settings.seed_dir)
    if _shipped.cache_info().currsize:  # the hot path: no lock, no thread once trained
        return _shipped(seed_dir)
    async with _training:  # one training per process, off the event loop
        return await asyncio.to_thread(_shipped, seed_dir)


async def in_force(state: AppState, session: AsyncSession) -> tuple[int | None, Classifier]:
    """The version in force (None: the shipped model) and its model."""
    version = await state.cache.get(CACHE_KEY, lambda: repository.active_model_id(session))
    if version is None:
        return None, await shipped(state)
    model = _loaded.get(version)
    if model is None:
        data = await repository.artefact(session, version)
        if data is None:  # cannot happen for a promoted version; answer rather than fail the call
            log.error("classifier version %s in force has no weights; the shipped model answers", version)
            return None, await shipped(state)
        model = await asyncio.to_thread(Classifier.load, data)
        _loaded.clear()
        _loaded[version] = model
    return version, model


def _refresh(ctx: Ctx) -> None:
    after_commit(ctx.session, CACHE_KEY, lambda: ctx.state.cache.invalidate(CACHE_KEY))


async def queue(ctx: Ctx) -> ClassifierModel:
    waiting = await repository.pending_model(ctx.session)
    if waiting is not None:
        raise AppError("classifier_training_pending", 409, version=waiting.id)
    row = ClassifierModel(status="queued", requested_at=ctx.now, requested_by=ctx.principal.user_id)
    repository.add(ctx.session, row)
    await repository.flush(ctx.session)
    audit.record(ctx.session, at=ctx.now, action="classifier.train", actor_user_id=ctx.principal.user_id,
                 target_type="classifier_model", target_id=row.id)
    return row


async def get(ctx: Ctx, version: int) -> ClassifierModel:
    row = await repository.model(ctx.session, version)
    if row is None:
        raise NotFound("classifier_model_not_found", version=version)
    return row


async def promote(ctx: Ctx, version: int, accept_lower: bool) -> tuple[ClassifierModel, ClassifierModel | None]:
    """Puts a trained version in force; answers it and the version it replaces (None: the shipped model)."""
    row = await get(ctx, version)
    if row.status != "ready":
        raise AppError("classifier_model_not_ready", 409, version=version, status=row.status)
    if row.active:
        raise AppError("classifier_model_in_force", 409, version=version)
    baseline_top1 = (row.baseline or {}).get("top1")
    if baseline_top1 is not None and row.top1 is not None and row.top1 < baseline_top1 and not accept_lower:
        raise AppError("classifier_model_worse", 409, version=version, top1=row.top1, baseline=baseline_top1,
                       extra={"top1": row.top1, "baseline_top1": baseline_top1, "baseline_id": row.baseline_id},
                       field_errors=[{"field": "accept_lower", "code": "classifier_model_worse"}])
    current = await repository.active_model(ctx.session)
    if current is not None:
        current.active = False
        await repository.flush(ctx.session)
    row.active, row.promoted_at, row.promoted_by = True, ctx.now, ctx.principal.user_id
    row.previous_id = None if current is None else current.id
    audit.record(ctx.session, at=ctx.now, action="classifier.promote", actor_user_id=ctx.principal.user_id,
                 target_type="classifier_model", target_id=row.id,
                 detail={"previous": row.previous_id, "top1": row.top1, "top3": row.top3,
                         "baseline": row.baseline, "baseline_id": row.baseline_id, "accept_lower": accept_lower})
    _refresh(ctx)
    return row, current


async def rollback(ctx: Ctx) -> tuple[ClassifierModel, ClassifierModel | None]:
    """Restores the version that was in force when the current one was promoted; answers the version taken out
    and the one restored (None: the shipped model)."""
    current = await repository.active_model(ctx.session)
    if current is None:
        raise AppError("classifier_nothing_to_roll_back", 409)
    current.active = False
    await repository.flush(ctx.session)
    restored = None if current.previous_id is None else await repository.model(ctx.session, current.previous_id)
    if restored is not None:
        restored.active = True
    audit.record(ctx.session, at=ctx.now, action="classifier.rollback", actor_user_id=ctx.principal.user_id,
                 target_type="classifier_model", target_id=current.id,
                 detail={"restored": None if restored is None else restored.id})
    _refresh(ctx)
    return current, restored


async def _corpus(state: AppState, session: AsyncSession) -> Corpus:
    seed = await asyncio.to_thread(load_examples, Path(state.settings.seed_dir))
    history = [Example(c, t) for c, t in await repository.history(session)]
    corrections = [Example(c, t) for c, t in await repository.corrections(session)]
    return Corpus(seed=seed, history=history, corrections=corrections)


async def sweep(state: AppState) -> dict[str, int]:
    """Trains the oldest queued version, if any: in a thread, outside any transaction; the row is claimed first,
    so two workers never train the same version."""
    async with state.sessionmaker() as session:
        row = await repository.pending_model(session)
        if row is None or not await repository.claim_model(session, row.id,
                                                                                       state.clock.now()):
            return {}
        await session.commit()
        version = row.id
        corpus = await _corpus(state, session)
        baseline_id, current = await in_force(state, session)
    started = time.monotonic()
    try:
        # A process of its own: the worker may run inside `serve`, and seconds of training would hold the GIL
        # against every request (spawned, so that it inherits no event loop, connection or lock).
        with ProcessPoolExecutor(max_workers=1, mp_context=multiprocessing.get_context("spawn")) as pool:
            counts, report, baseline, data = await asyncio.get_running_loop().run_in_executor(
                pool, retrain_stored, corpus, knowledge(str(state.settings.seed_dir)), current)
    except Exception as exc:  # noqa: BLE001 - a failed training is recorded on its version, not raised
        log.exception("classifier version %s failed to train", version)
        async with state.sessionmaker() as session:
            failed = await repository.model(session, version)
            if failed is not None:
                failed.status, failed.error, failed.finished_at = "failed", str(exc)[:500], state.clock.now()
                await session.commit()
        return {"classifier_failed": 1}
    async with state.sessionmaker() as session:
        done = await repository.model(session, version)
        if done is None:
            return {}
        done.status, done.finished_at = "ready", state.clock.now()
        done.seconds = round(time.monotonic() - started, 2)
        done.counts, done.report = counts, report
        done.top1, done.top3 = report["top1"], report["top3"]
        done.baseline_id, done.baseline = baseline_id, baseline
        repository.add(session, ClassifierArtefact(model_id=version, data=data))
        await session.commit()
    return {"classifier_trained": 1}
