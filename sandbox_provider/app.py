"""The sandbox provider's composition root: `uvicorn --factory sandbox_provider.app:app_from_env`.

Run it with one worker: the database is written from one thread of one process, and
the fault switches live in that process's memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import structlog
from fastapi import FastAPI
from starlette.responses import Response

from sandbox_provider import api, testhooks
from sandbox_provider.faults import Faults, middleware
from sandbox_provider.runtime import Runtime
from sandbox_provider.settings import SandboxSettings
from sandbox_provider.store import Store
from sandbox_provider.webhooks import Deliverer
from shared.kit.http.docs import install_docs
from shared.kit.http.instrumentation import HttpMetrics
from shared.kit.http.problems import install_common_handlers
from shared.kit.http.responses import JSON
from shared.kit.logs import configure_logging
from shared.kit.metrics import render_metrics
from shared.kit.settings import load

log = structlog.get_logger("sandbox.app")


def create_app(settings: SandboxSettings) -> FastAPI:
    """The provider's app over the SQLite file under `settings.state_dir`."""
    faults = Faults()

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        store = Store(settings.database)
        runtime = Runtime(settings, store, await store.open(settings.seed), faults)
        runtime.deliverer = Deliverer(store, settings, faults, runtime.context)
        app.state.runtime = runtime
        task = asyncio.create_task(runtime.deliverer.run(), name="sandbox-webhooks")
        log.info("sandbox_started", database=str(settings.database), test_hooks=settings.test_hooks)
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
            await runtime.deliverer.close()
            await store.close()

    app = FastAPI(
        title="Fleetledger sandbox payment provider",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_common_handlers(app)
    install_docs(app)  # Swagger UI and ReDoc from the installed package, no CDN
    app.middleware("http")(middleware(faults))
    app.add_middleware(HttpMetrics)
    app.include_router(api.router)
    if settings.test_hooks:
        app.include_router(testhooks.router)

    @app.get("/healthz")
    async def healthz() -> JSON:
        return JSON({"status": "ok"})

    @app.get("/readyz")
    async def readyz() -> JSON:
        return JSON({"status": "ready"})

    @app.get("/metrics", include_in_schema=False)
    async def metrics() -> Response:
        body, content_type = render_metrics()
        return Response(body, media_type=content_type)

    return app


def app_from_env() -> FastAPI:
    """The app as `make run` starts it: settings from the environment."""
    settings = load(SandboxSettings)
    configure_logging(settings.log_level, settings.log_format)
    return create_app(settings)
