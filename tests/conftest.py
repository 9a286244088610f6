"""Fixtures shared by every tier: one PostgreSQL per test session, a database per module.

The cluster is the embedded one `make run` uses (pgserver wheel). With
FLEET_TEST_DOCKER=1 and a reachable Docker engine, testcontainers provides it instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import pytest_asyncio

from deploy.postgres import EmbeddedPostgres
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID


def pytest_configure(config: pytest.Config) -> None:
    """Settings in tests (and the services they start) never read a developer's `.env`."""
    os.environ["FLEET_ENV_FILE"] = ""


@dataclass
class FakeClock:
    """A clock the test moves by hand."""

    now: datetime = field(default_factory=lambda: datetime(2030, 1, 7, 8, 0, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


@dataclass
class Cluster:
    """Admin access to the test PostgreSQL server."""

    admin_dsn: str

    def dsn(self, database: str) -> str:
        return self.admin_dsn.rsplit("/", 1)[0] + f"/{database}"

    async def create_database(self, prefix: str) -> str:
        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        conn = await asyncpg.connect(self.admin_dsn)
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return self.dsn(name)


def _docker_cluster() -> Iterator[Cluster]:
    from testcontainers.postgres import PostgresContainer

    with PostgresContainer("postgres:16", driver=None) as container:
        yield Cluster(container.get_connection_url())


@pytest.fixture(scope="session")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    """One PostgreSQL server for the whole test session."""
    if os.environ.get("FLEET_TEST_DOCKER") == "1":
        yield from _docker_cluster()
        return
    pg = EmbeddedPostgres(Path(tmp_path_factory.mktemp("pg")))
    pg.start()
    try:
        yield Cluster(pg.dsn("postgres"))
    finally:
        pg.stop()


@pytest_asyncio.fixture(scope="module")
async def command_dsn(cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh, migrated fleet_command database for this test module."""
    from command_service.store.migrate import migrate

    prefix = "cmd_" + request.module.__name__.rsplit(".", 1)[-1][:20]
    dsn = await cluster.create_database(prefix)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()
    return dsn


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


async def plain_connection(dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A fixture's plain connection for SQL checks, closed after the test."""
    conn = await asyncpg.connect(dsn)
    try:
        yield conn
    finally:
        await conn.close()


@pytest_asyncio.fixture
async def db(command_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection to the module's command database, for SQL checks."""
    async for conn in plain_connection(command_dsn):
        yield conn


def in_process_settings(command_dsn: str, **overrides: Any) -> Any:
    """Command service settings for an app run inside a test: a small pool, no sweeping
    (tests expire holds by hand), quiet logs."""
    from command_service.settings import Settings

    fields = {
        "pool_min": 1,
        "pool_max": 4,
        "sweeper_interval_ms": 3_600_000,
        "log_level": "WARNING",
    }
    return Settings(database_url=command_dsn, **{**fields, **overrides})


@dataclass
class Issuer:
    """A running command app that signs tokens and serves its JWKS (over ASGI)."""

    app: Any
    http: Any  # httpx.AsyncClient on the app

    async def token(
        self,
        role: str = "fleet_manager",
        user_id: uuid.UUID | None = None,
        organization_id: uuid.UUID | None = None,
    ) -> str:
        """A token of `organization_id` (default: `default`)."""
        organization = organization_id or DEFAULT_ORGANIZATION_ID
        identity = self.app.state.identity
        token: str = await identity.access_token(user_id or uuid.uuid4(), role, organization)
        return token


@pytest_asyncio.fixture(scope="module")
async def issuer(command_dsn: str) -> AsyncIterator[Issuer]:
    """The command service as the token issuer the query service trusts (module-wide)."""
    import httpx

    from command_service.api.app import create_app

    app = create_app(in_process_settings(command_dsn))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://command") as http:
            yield Issuer(app, http)
