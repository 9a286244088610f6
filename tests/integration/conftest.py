"""The command API built exactly as production builds it, over the real database."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest_asyncio

from command_service.api.app import create_app
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.kit.auth.principal import Role
from tests.conftest import in_process_settings
from tests.integration.tenancy import Tenancy, identity_settings
from tests.organizations import create_organization

VALID_VEHICLE = {
    "vin": "WVWZZZ1JZXW000001",
    "plate": "B-FL 1001",
    "make": "Volkswagen",
    "model": "Golf",
    "year": 2024,
    "seats": 5,
    "hourly_rate_cents": 1200,
    "daily_rate_cents": 6000,
    "currency": "EUR",
    "odometer_km": 1000,
}
_serial = iter(range(1, 10**6))
# The customer of the bookings the API tests make as staff (an account of `default`).
CUSTOMER = str(uuid.UUID(int=7))


def new_vehicle(**overrides: Any) -> dict[str, Any]:
    """A valid registration body with a VIN and plate no other test uses."""
    n = next(_serial)
    body = {**VALID_VEHICLE, "vin": f"WVWZZZ1JZXW{n:06d}", "plate": f"T-{n:06d}"}
    return {**body, **overrides}


async def token_for(
    app: Any,
    role: Role = "admin",
    user_id: uuid.UUID | None = None,
    organization_id: uuid.UUID = DEFAULT_ORGANIZATION_ID,
) -> str:
    """An access token the app itself signs, for an account of `organization_id` made
    here if absent (the command service accepts tokens of existing, enabled accounts only)."""
    user_id = await add_account(app, role, user_id, organization_id)
    token: str = await app.state.identity.access_token(user_id, role, organization_id)
    return token


async def add_account(
    app: Any,
    role: Role = "customer",
    user_id: uuid.UUID | None = None,
    organization_id: uuid.UUID = DEFAULT_ORGANIZATION_ID,
) -> uuid.UUID:
    """An account of `organization_id` (kept as it is if the id exists)."""
    user_id = user_id or uuid.uuid4()
    await app.state.pool.execute(
        "INSERT INTO users (user_id, email, name, password_hash, role, organization_id)"
        " VALUES ($1, $2, 'Test caller', '!', $3, $4) ON CONFLICT (user_id) DO NOTHING",
        user_id,
        f"{user_id}@callers.example",
        role,
        organization_id,
    )
    return user_id


async def add_organization(app: Any, slug: str | None = None) -> uuid.UUID:
    """A new organization (as a platform admin would create it)."""
    return await create_organization(app.state.pool, slug)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest_asyncio.fixture
async def api(command_dsn: str, clock: Any) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client on the command app (lifespan run), with the fake clock, signed in as
    an admin (the security tests check what other roles may do)."""
    async for client in command_api(command_dsn, clock):
        yield client


async def command_api(command_dsn: str, clock: Any) -> AsyncIterator[httpx.AsyncClient]:
    """The `api` fixture's client (also for tests of other packages)."""
    app = create_app(in_process_settings(command_dsn, pool_max=8), clock=clock)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        headers = bearer(await token_for(app))
        await add_account(app, "customer", uuid.UUID(CUSTOMER))  # whom staff book for
        async with httpx.AsyncClient(
            transport=transport, base_url="http://command", headers=headers
        ) as client:
            client.app = app  # type: ignore[attr-defined]
            yield client


async def register(api: httpx.AsyncClient, **overrides: Any) -> str:
    resp = await api.post("/v1/vehicles", json=new_vehicle(**overrides))
    assert resp.status_code == 201, resp.text
    return str(resp.json()["vehicle_id"])


async def book(
    api: httpx.AsyncClient, vehicle: str, start: str, end: str, **headers: str
) -> httpx.Response:
    body = {"vehicle_id": vehicle, "start": start, "end": end, "customer_id": CUSTOMER}
    return await api.post("/v1/bookings", json=body, headers=headers)


@pytest_asyncio.fixture
async def tenancy(command_dsn: str) -> AsyncIterator[Tenancy]:
    """The command app with both bootstrap admins (tests/integration/tenancy.py), and a
    client without a token."""
    app = create_app(in_process_settings(command_dsn, identity=identity_settings()))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://command") as http:
            yield Tenancy(http, app)


@dataclass(frozen=True)
class Other:
    """A second organization: its id, staff and a customer (headers per caller)."""

    organization_id: uuid.UUID
    admin: dict[str, str]
    manager: dict[str, str]
    customer: dict[str, str]
    customer_id: uuid.UUID


@pytest_asyncio.fixture
async def other(api: httpx.AsyncClient) -> Other:
    """Another organization on the `api` app, with an admin, a manager and a customer."""
    app: Any = api.app  # type: ignore[attr-defined]
    org = await add_organization(app)
    customer_id = await add_account(app, "customer", organization_id=org)
    return Other(
        org,
        bearer(await token_for(app, "admin", organization_id=org)),
        bearer(await token_for(app, "fleet_manager", organization_id=org)),
        bearer(await token_for(app, "customer", customer_id, organization_id=org)),
        customer_id,
    )
