"""Composition root of the command service: tests and production build it the same way."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import Depends, FastAPI

from command_service.api.problems import install_problem_handlers
from command_service.api.routes import (
    accounts,
    auth,
    bookings,
    dev_clock,
    feed,
    locations,
    ops,
    organizations,
    payments,
    pricing_policies,
    quotes,
    trips,
    vehicles,
)
from command_service.application.customers import Customers
from command_service.application.handler import CommandHandler
from command_service.application.quotes import Quotes
from command_service.application.streams import StreamHandler
from command_service.devclock import SimulatedClock
from command_service.identity.setup import start_identity
from command_service.payments.factory import provider_from_settings
from command_service.payments.manager import PaymentManager
from command_service.payments.steps import PaymentSteps
from command_service.relay import Relay
from command_service.settings import Settings
from command_service.store.event_store import EventStore
from command_service.store.idempotency import ResponseStore
from command_service.store.migrate import migrate
from command_service.store.pool import create_pool
from command_service.store.streams import StreamStore
from command_service.sweeper import HoldSweeper
from shared.kit import collector
from shared.kit.auth.tokens import TokenVerifier
from shared.kit.clock import Clock, IdFactory, system_clock, time_ordered_id
from shared.kit.http.docs import install_docs
from shared.kit.http.edge import EdgeHeaders
from shared.kit.http.instrumentation import HttpMetrics
from shared.kit.http.middleware import RequestContext
from shared.kit.http.openapi import COMMAND_PROBLEMS, problem_responses
from shared.kit.logs import configure_logging
from shared.kit.settings import load


def create_app(
    settings: Settings, clock: Clock = system_clock, new_id: IdFactory = time_ordered_id
) -> FastAPI:
    """The command API; pools, sweeper and migrations live in the lifespan."""
    if settings.simulated_clock:  # dev/demo only: Settings refuses it in production
        clock = SimulatedClock(start=clock)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = await create_pool(settings.database_url, settings.pool_min, settings.pool_max)
        if settings.migrate_on_start:
            async with pool.acquire() as conn:
                await migrate(conn)
        identity = await start_identity(pool, settings.identity)
        await identity.revocations.poll()
        identity.revocations.start()
        app.state.identity = identity
        app.state.verifier = TokenVerifier(
            identity.keys, identity.revocations, identity.check_subject
        )
        store = EventStore(pool, settings.concurrency)
        handler = CommandHandler(store, clock, new_id, settings.max_attempts)
        sweeper = HoldSweeper(
            settings.database_url, pool, handler, clock, settings.sweeper_interval_s
        )
        app.state.pool, app.state.handler, app.state.sweeper = pool, handler, sweeper
        app.state.streams = StreamHandler(StreamStore(pool), clock, new_id, settings.max_attempts)
        provider = provider_from_settings(settings.payments)
        manager = PaymentManager(
            settings.database_url,
            PaymentSteps(pool, app.state.streams, handler, provider, store),
            clock,
            settings.payment_manager_interval_s,
        )
        app.state.payments = manager
        app.state.responses = ResponseStore(pool)
        app.state.customers = Customers(pool)
        app.state.quotes = Quotes(store, clock, new_id)
        app.state.new_id, app.state.clock = new_id, clock
        relay = None
        if settings.kafka_bootstrap:
            relay = Relay(
                settings.database_url,
                pool,
                settings.kafka_bootstrap,
                settings.topic,
                settings.partitions,
                settings.relay_batch,
                settings.relay_poll_interval_s,
                retention=settings.retention,
            )
            relay.start()
        app.state.relay = relay
        sweeper.start()
        manager.start()
        try:
            yield
        finally:
            await manager.stop()
            await provider.aclose()
            await sweeper.stop()
            await identity.revocations.stop()
            if relay is not None:
                await relay.stop()
            await pool.close()

    configure_logging(settings.log_level, settings.log_format)
    app = FastAPI(
        title="Fleetledger command service",
        version="0.1.0",
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    install_docs(app, token_url=auth.TOKEN_FORM_URL)
    # In simulated mode every command first refreshes the clock the workers share.
    refresh = [Depends(dev_clock.refresh_clock)] if settings.simulated_clock else []
    # Routes are tried in order, every path's pattern in turn (about 10 µs a router): the
    # busiest commands first. No two routers share a path, so the order changes nothing else.
    for module in (bookings, trips, vehicles, locations, pricing_policies, quotes, payments):
        app.include_router(module.router, dependencies=refresh, responses=COMMAND_PROBLEMS)
    for module in (auth, accounts, organizations, feed):
        app.include_router(module.router, responses=COMMAND_PROBLEMS)
    app.include_router(ops.router, responses=problem_responses(503))
    if settings.simulated_clock:
        app.include_router(dev_clock.router, responses=COMMAND_PROBLEMS)
    install_problem_handlers(app)
    app.add_middleware(RequestContext, max_body_bytes=settings.max_body_bytes)
    app.add_middleware(EdgeHeaders)  # oversized headers go no further
    app.add_middleware(HttpMetrics)  # outermost: it times and counts the 413s and 431s too
    return app


def app_from_env() -> FastAPI:
    """Entry point for uvicorn: `uvicorn --factory command_service.api.app:app_from_env`."""
    app = create_app(load(Settings))
    collector.for_a_server(app)
    return app
