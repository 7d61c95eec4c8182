"""create_app(): routers, error handlers, middleware, lifespan."""

import asyncio
import contextlib
import gc
import logging
from collections.abc import AsyncIterator
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy import text

from app.core import memory, shared
from app.core.bell import Bell
from app.core.cache import ReferenceCache
from app.core.clock import Clock, SystemClock
from app.core.config import Settings, get_settings
from app.core.db import UnitOfWorkRoute, make_engine, make_sessionmaker
from app.core.docs import install_bearer_security, install_docs
from app.core.errors import install_error_handlers, problem
from app.core.headers import install_headers
from app.core.keys import load_keys
from app.core.observability import Metrics, RequestContextMiddleware, configure_logging, metrics_endpoint
from app.core.ratelimit import install_rate_limits
from app.registry import plugins
from app.web.mount import install_web

log = logging.getLogger("app")

DESCRIPTION = """
Backend for community service centres and the 12345 government hotline.

Errors are RFC 9457 `application/problem+json` with a stable `code`; send
`Accept-Language: en` for English messages (Chinese is the default).
"""


def create_app(settings: Settings | None = None, clock: Clock | None = None,
               run_worker: bool | None = None) -> FastAPI:
    settings = settings or get_settings()
    clock = clock or SystemClock()
    metrics = Metrics()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings)
        app.state.engine = engine
        app.state.sessionmaker = make_sessionmaker(engine)
        try:
            async with shared.following(app.state.cache, engine, settings.cache_poll_seconds):
                worker_task = None
                if run_worker if run_worker is not None else settings.run_worker_in_serve:
                    from app.worker import run_forever

                    worker_task = asyncio.create_task(run_forever(app.state, stop_after=None, deliver=True))
                try:
                    yield
                finally:
                    if worker_task is not None:
                        worker_task.cancel()
                        with contextlib.suppress(asyncio.CancelledError):
                            await worker_task
        finally:
            await engine.dispose()

    installed = plugins()
    app = FastAPI(title="社区服务中心与12345热线 API", version="0.1.0", description=DESCRIPTION,
                  lifespan=lifespan, docs_url=None, redoc_url=None, openapi_tags=installed.tags)
    app.state.plugins = installed
    app.router.route_class = UnitOfWorkRoute  # the app's own routes (health, readiness) refuse unknown parameters
    app.state.settings = settings
    app.state.clock = clock
    app.state.metrics = metrics
    app.state.keys = load_keys(settings)
    app.state.cache = ReferenceCache(settings.routing_cache_seconds)
    app.state.feed_bell = Bell()
    app.state.delivery_bell = Bell()  # wakes webhook delivery when events commit

    install_error_handlers(app)
    install_rate_limits(app, settings)
    install_docs(app)
    install_bearer_security(app)
    app.add_middleware(RequestContextMiddleware, metrics=metrics)
    install_headers(app, settings)  # after the others: middleware added last wraps the rest

    for router in app.state.plugins.routers:
        app.include_router(router)

    @app.get("/healthz", tags=["operations"], summary="The process is up")
    async def healthz() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/readyz", tags=["operations"], summary="The database answers")
    async def readyz(request: Request) -> Any:
        try:
            async with request.app.state.engine.connect() as conn:
                await conn.execute(text("SELECT 1"))
        except Exception:  # noqa: BLE001 - any failure means not ready
            log.warning("readiness check failed", exc_info=True)
            return problem(request, 503, "internal_error")
        return JSONResponse({"status": "ready", "database": request.app.state.engine.dialect.name})

    app.add_api_route("/metrics", metrics_endpoint, methods=["GET"], include_in_schema=False)
    install_web(app)  # last: the pages' mounts never shadow an API route
    return app


def app_factory() -> FastAPI:
    """For `uvicorn --factory app.main:app_factory`."""
    memory.few_arenas()
    settings = get_settings()
    configure_logging(settings.log_level, settings.log_json)
    from app.core.segment import load_dictionary
    from app.hotline.preload import prepare_elsewhere
    from app.hotline.service import emergency_lexicon, train_classifier

    # Trained before the socket opens (training on the first call would hold the GIL for seconds under load), and
    # in another process, so that this one carries the weights but not scikit-learn or the training's memory.
    prepare_elsewhere(settings)
    load_dictionary()
    train_classifier(settings.seed_dir)
    emergency_lexicon(str(settings.seed_dir))  # compiled before the socket opens, like the classifier
    from app.notifications.templates import load as notification_templates

    notification_templates(settings.seed_dir)  # a template with an unknown placeholder stops the process here
    app = create_app(settings)
    # What is loaded by now (jieba's dictionary, the classifier, the models) lives as long as the process. Frozen,
    # the collector stops walking it on every full collection: under load those walks were pauses of 100-200 ms.
    gc.collect()
    gc.freeze()
    memory.give_back()
    return app
