"""Composition root of the query service: tests and production build it the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import httpx
import structlog
from fastapi import FastAPI

from query_service.api import install_api
from query_service.api.changes import ChangeFeed
from query_service.auth import JwksKeySource, RevocationFeed
from query_service.console import install_console
from query_service.devclock import follow_command_clock
from query_service.settings import Settings
from query_service.store.schemas import ReadModelDatabase
from shared.kit import collector
from shared.kit.auth.client import TOKEN_FORM_PATH
from shared.kit.auth.revocations import Revocations
from shared.kit.auth.tokens import KeySource, TokenVerifier
from shared.kit.clock import Clock, system_clock
from shared.kit.http.docs import install_docs
from shared.kit.http.edge import EdgeHeaders
from shared.kit.http.instrumentation import HttpMetrics
from shared.kit.http.middleware import RequestContext
from shared.kit.logs import configure_logging
from shared.kit.settings import load

log = structlog.get_logger("query_service.app")


def create_app(
    settings: Settings,
    clock: Clock = system_clock,
    keys: KeySource | None = None,
    revocations: Revocations | None = None,
) -> FastAPI:
    """The query API; the read-model pool and the Kafka consumer live in the lifespan.

    Tokens are verified with the command service's JWKS and revocation feed (`keys` and
    `revocations` replace them).
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        jwks_http = httpx.AsyncClient(base_url=settings.command_url, timeout=5)
        feed, revoked = _revocations(settings, revocations)
        app.state.verifier = TokenVerifier(keys or JwksKeySource(jwks_http), revoked)
        app.state.command_http = jwks_http  # sign-in and the console's relayed commands
        followed = None
        if settings.simulated_clock:  # dev/demo only: read-time figures use the simulated now
            followed = await follow_command_clock(
                settings.command_url, settings.service_credentials()
            )
        read_db = ReadModelDatabase(
            settings.database_url, settings.pool_min, settings.pool_max, settings.read_concurrency
        )
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
        try:
            yield
        finally:
            if pipeline is not None:
                await pipeline.stop()
            await changes.stop()
            await read_db.close()
            await jwks_http.aclose()
            if revoked is not None:
                await revoked.stop()
            if feed is not None:
                await feed.close()
            if followed is not None:
                await followed.stop()

    configure_logging(settings.log_level, settings.log_format)
    app = FastAPI(
        title="Fleetledger query service",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app, token_url=TOKEN_FORM_PATH)
    install_api(app)
    install_console(app)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(EdgeHeaders)  # oversized headers go no further
    app.add_middleware(HttpMetrics)  # outermost: it times and counts the 413s and 431s too
    return app


def _revocations(
    settings: Settings, given: Revocations | None
) -> tuple[RevocationFeed | None, Revocations | None]:
    """The revocation list, pulled every second as the service account (started here)."""
    if given is not None:
        return None, given
    credentials = settings.service_credentials()
    if credentials is None:
        # Without the service account revoked tokens work here until they expire.
        log.warning("revocations_not_followed", hint="set FLEET_SERVICE_ACCOUNT_EMAIL/_PASSWORD")
        return None, None
    feed = RevocationFeed(settings.command_url, credentials)
    revoked = Revocations(feed)
    revoked.start()
    return feed, revoked


def app_from_env() -> FastAPI:
    """Entry point for uvicorn: `uvicorn --factory query_service.app:app_from_env`."""
    app = create_app(load(Settings))
    collector.for_a_server(app)
    return app
