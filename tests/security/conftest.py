"""Both services as real processes on loopback, and the people who call them.

The command service runs on a fresh database with generated start-up accounts; the
query service runs without Kafka and fetches the command service's JWKS over HTTP.
"""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from tests.conftest import Cluster
from tests.integration.conftest import new_vehicle
from tests.security.support import (
    PASSWORD,
    Deployment,
    Ledger,
    Person,
    Projection,
    bearer,
    unique_email,
)


@pytest_asyncio.fixture(scope="package")
async def deployment(
    cluster: Cluster, tmp_path_factory: pytest.TempPathFactory
) -> AsyncIterator[Deployment]:
    """Command and query services for the whole security tier, stopped by PID after it."""
    stack = Deployment(
        command_dsn=await cluster.create_database("sec_cmd"),
        query_dsn=await cluster.create_database("sec_qry"),
        log_dir=tmp_path_factory.mktemp("security-logs"),
        # Every test signs in (and up) from 127.0.0.1; the throttles have their own tests
        # and process.
        # A rotated-in key signs after 6 s: just over the query service's re-fetch gap.
        command_env={
            "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS": "1000",
            "FLEET_REGISTRATIONS_PER_ADDRESS": "1000",
            "FLEET_SIGNING_KEY_ACTIVATION_S": "6",
        },
    )
    try:
        await stack.start_command()
        await stack.start_query()
        yield stack
    finally:
        stack.stop()


@pytest_asyncio.fixture(scope="package")
async def command(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=deployment.command_url, timeout=30) as client:
        yield client


@pytest_asyncio.fixture(scope="package")
async def query(deployment: Deployment) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=deployment.query_url, timeout=30) as client:
        yield client


@pytest_asyncio.fixture(scope="package")
async def ledger(deployment: Deployment) -> AsyncIterator[Ledger]:
    pool = await asyncpg.create_pool(deployment.command_dsn, min_size=1, max_size=2)
    try:
        yield Ledger(pool)
    finally:
        await pool.close()


async def sign_in(command: httpx.AsyncClient, email: str, password: str) -> dict[str, Any]:
    resp = await command.post("/v1/auth/token", json={"email": email, "password": password})
    assert resp.status_code == 200, resp.text
    body: dict[str, Any] = resp.json()
    return body


async def person(command: httpx.AsyncClient, email: str, password: str) -> Person:
    """Sign in as an existing account."""
    pair = await sign_in(command, email, password)
    me = await command.get("/v1/auth/me", headers=bearer(pair["access_token"]))
    assert me.status_code == 200, me.text
    account = me.json()
    return Person(
        uuid.UUID(account["user_id"]),
        account["email"],
        account["role"],
        pair["access_token"],
        pair["refresh_token"],
    )


async def sign_up(
    command: httpx.AsyncClient, prefix: str = "customer", role: str = "customer", admin=None
) -> Person:
    """Register a new account (given `role` by `admin` when not a customer) and sign in."""
    email = unique_email(prefix)
    resp = await command.post(
        "/v1/auth/register", json={"email": email, "password": PASSWORD, "name": prefix}
    )
    assert resp.status_code == 201, resp.text
    if role != "customer":
        changed = await command.post(
            f"/v1/users/{resp.json()['user_id']}/role", json={"role": role}, headers=admin.auth
        )
        assert changed.status_code == 200, changed.text
    return await person(command, email, PASSWORD)


@pytest_asyncio.fixture(scope="package")
async def admin(command: httpx.AsyncClient, deployment: Deployment) -> Person:
    """The bootstrap admin the deployment starts with."""
    account = deployment.accounts.admin
    return await person(command, account.email, account.password)


@pytest_asyncio.fixture(scope="package")
async def manager(command: httpx.AsyncClient, admin: Person) -> Person:
    return await sign_up(command, "manager", "fleet_manager", admin)


@pytest_asyncio.fixture(scope="package")
async def alice(command: httpx.AsyncClient) -> Person:
    return await sign_up(command, "alice")


@pytest_asyncio.fixture(scope="package")
async def bob(command: httpx.AsyncClient) -> Person:
    return await sign_up(command, "bob")


@pytest_asyncio.fixture(scope="package")
async def projection(
    deployment: Deployment, command: httpx.AsyncClient, admin: Person
) -> Projection:
    return Projection(deployment.query_dsn, command, admin.auth)


@pytest_asyncio.fixture
async def vehicle(command: httpx.AsyncClient, manager: Person) -> str:
    """A new vehicle, registered by a fleet manager."""
    resp = await command.post("/v1/vehicles", json=new_vehicle(), headers=manager.auth)
    assert resp.status_code == 201, resp.text
    return str(resp.json()["vehicle_id"])


def window(start_min: float, end_min: float) -> dict[str, str]:
    """A [start, end) window relative to now (the services run on the system clock)."""
    now = datetime.now(UTC)
    return {
        "start": (now + timedelta(minutes=start_min)).isoformat(),
        "end": (now + timedelta(minutes=end_min)).isoformat(),
    }
