"""Composition root of the query service: tests and production build it the same way."""

from __future__ import annotations

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from query_service.api import install_api
from query_service.api.changes import ChangeFeed
from query_service.auth import JwksKeySource
from query_service.console import install_console
from query_service.devclock import follow_command_clock
from query_service.settings import Settings
from query_service.store.schemas import ReadModelDatabase
from shared.kit.auth.tokens import KeySource, TokenVerifier
from shared.kit.clock import Clock, system_clock
from shared.kit.http.middleware import RequestContext
from shared.kit.logs import configure_logging


def create_app(
    settings: Settings, clock: Clock = system_clock, keys: KeySource | None = None
) -> FastAPI:
    """The query API; the read-model pool and the Kafka consumer live in the lifespan.

    Tokens are verified with the command service's JWKS (`keys` replaces that source).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jwks_http = httpx.AsyncClient(base_url=settings.command_url, timeout=5)
        app.state.verifier = TokenVerifier(keys or JwksKeySource(jwks_http))
        app.state.command_http = jwks_http  # sign-in and the console's relayed commands
        followed = None
        if settings.simulated_clock:  # dev/demo only: read-time figures use the simulated now
            followed = await follow_command_clock(
                settings.command_url, settings.service_credentials()
            )
        read_db = ReadModelDatabase(settings.database_url, settings.pool_min, settings.pool_max)
        await read_db.start()
        app.state.read_db, app.state.settings = read_db, settings
        app.state.clock = followed or clock
        changes = ChangeFeed(settings.database_url)
        await changes.start()
        app.state.changes = changes
        pipeline = None
        if settings.consume:
            from query_service.pipeline import ProjectionPipeline

            pipeline = ProjectionPipeline(settings, read_db)
            await pipeline.start()
        app.state.pipeline = pipeline
        # Startup objects (routes, models, codecs: ~90k) live for good. Frozen, they stay
        # out of full collections, which the analytics answers' thousands of rows trigger
        # every few requests and which otherwise cost tens of ms each (p99 of underutilized).
        gc.collect()
        gc.freeze()
        try:
            yield
        finally:
            gc.unfreeze()
            if pipeline is not None:
                await pipeline.stop()
            await changes.stop()
            await read_db.close()
            await jwks_http.aclose()
            if followed is not None:
                await followed.stop()

    configure_logging(settings.log_level)
    app = FastAPI(title="Fleetledger query service", version="0.1.0", lifespan=lifespan)
    install_api(app)
    install_console(app)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    return app


def app_from_env() -> FastAPI:
    """Entry point for uvicorn: `uvicorn --factory query_service.app:app_from_env`."""
    return create_app(Settings.from_env())
