"""Accounts and tokens (API.md §Identity) through the command API, in process."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest_asyncio

from command_service.api.app import create_app
from command_service.identity.settings import IdentitySettings
from command_service.settings import Settings
from deploy.services import ROOT
from tests.conftest import Cluster, FakeClock
from tests.integration.conftest import bearer, new_vehicle, token_for

PASSWORD = "correct horse battery staple"


@pytest_asyncio.fixture
async def anonymous(command_dsn: str) -> Any:
    """A client with no token, on an app whose env names a first admin."""
    identity = IdentitySettings(
        bootstrap_admin_email="Root@Fleet.Example", bootstrap_admin_password=PASSWORD
    )
    settings = Settings(
        database_url=command_dsn, pool_min=1, log_level="WARNING", identity=identity
    )
    app = create_app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://command") as client:
            yield client


async def _sign_in(client: httpx.AsyncClient, email: str, password: str = PASSWORD) -> Any:
    response = await client.post("/v1/auth/token", json={"email": email, "password": password})
    assert response.status_code == 200, response.text
    return response.json()


async def test_register_sign_in_and_ask_who_i_am(anonymous: httpx.AsyncClient) -> None:
    registered = await anonymous.post(
        "/v1/auth/register",
        json={"email": "  Ada@Example.ORG ", "password": PASSWORD, "name": "Ada"},
    )
    assert registered.status_code == 201, registered.text
    assert registered.json()["email"] == "ada@example.org"
    assert registered.json()["role"] == "customer"
    assert "password_hash" not in registered.json()
    pair = await _sign_in(anonymous, "ADA@example.org")
    assert pair["token_type"] == "bearer" and pair["expires_in"] == 900
    me = await anonymous.get("/v1/auth/me", headers=bearer(pair["access_token"]))
    assert me.json()["user_id"] == registered.json()["user_id"]


async def test_the_same_address_in_another_case_is_taken(anonymous: httpx.AsyncClient) -> None:
    body = {"email": "bob@example.org", "password": PASSWORD, "name": "Bob"}
    assert (await anonymous.post("/v1/auth/register", json=body)).status_code == 201
    again = await anonymous.post("/v1/auth/register", json={**body, "email": "BOB@example.org"})
    assert again.status_code == 409
    assert again.headers["content-type"] == "application/problem+json"


async def test_refresh_rotates_and_logout_ends_the_session(anonymous: httpx.AsyncClient) -> None:
    pair = await _sign_in(anonymous, "root@fleet.example")
    renewed = await anonymous.post(
        "/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert renewed.status_code == 200
    assert renewed.json()["refresh_token"] != pair["refresh_token"]
    logout = await anonymous.post(
        "/v1/auth/logout", json={"refresh_token": renewed.json()["refresh_token"]}
    )
    assert logout.status_code == 204
    after = await anonymous.post(
        "/v1/auth/refresh", json={"refresh_token": renewed.json()["refresh_token"]}
    )
    assert after.status_code == 401


async def test_the_env_admin_promotes_a_customer_to_fleet_manager(
    anonymous: httpx.AsyncClient,
) -> None:
    body = {"email": "carla@example.org", "password": PASSWORD, "name": "Carla"}
    carla = (await anonymous.post("/v1/auth/register", json=body)).json()
    admin = await _sign_in(anonymous, "root@fleet.example")
    promoted = await anonymous.post(
        f"/v1/users/{carla['user_id']}/role",
        json={"role": "fleet_manager"},
        headers=bearer(admin["access_token"]),
    )
    assert promoted.json()["role"] == "fleet_manager"
    manager = await _sign_in(anonymous, "carla@example.org")
    me = await anonymous.get("/v1/auth/me", headers=bearer(manager["access_token"]))
    assert me.json()["role"] == "fleet_manager"


async def test_jwks_publishes_the_old_key_after_a_rotation(anonymous: httpx.AsyncClient) -> None:
    admin = await _sign_in(anonymous, "root@fleet.example")
    before = (await anonymous.get("/.well-known/jwks.json")).json()["keys"]
    rotated = await anonymous.post(
        "/v1/auth/signing-keys/rotate", headers=bearer(admin["access_token"])
    )
    after = (await anonymous.get("/.well-known/jwks.json")).json()["keys"]
    assert {k["kid"] for k in before} < {k["kid"] for k in after}
    assert rotated.json()["kid"] in {k["kid"] for k in after}
    assert all(k["alg"] == "EdDSA" and "d" not in k for k in after)  # public halves only
    me = await anonymous.get("/v1/auth/me", headers=bearer(admin["access_token"]))
    assert me.status_code == 200  # a token of the retired key still verifies


async def test_the_cli_creates_the_first_admin_on_a_fresh_install(cluster: Cluster) -> None:
    dsn = await cluster.create_database("cli")
    env = {**os.environ, "FLEET_NEW_USER_PASSWORD": PASSWORD, "FLEET_LOG_LEVEL": "WARNING"}
    args = ["create-user", "--email", "First@Admin.Example", "--role", "admin"]
    proc = await asyncio.create_subprocess_exec(
        *[sys.executable, "-m", "command_service.identity.cli", "--database-url", dsn, *args],
        cwd=ROOT,
        env=env,
        stderr=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.DEVNULL,
    )
    _, stderr = await asyncio.wait_for(proc.communicate(), timeout=60)
    assert proc.returncode == 0, stderr.decode()
    conn = await asyncpg.connect(dsn)
    try:
        row = await conn.fetchrow("SELECT role, password_hash FROM users")
    finally:
        await conn.close()
    assert row["role"] == "admin" and row["password_hash"].startswith("$argon2id$")


async def test_each_event_names_the_caller_as_its_actor(
    api: httpx.AsyncClient, clock: FakeClock
) -> None:
    vehicle = (await api.post("/v1/vehicles", json=new_vehicle())).json()
    customer = uuid.uuid4()
    start = clock.now + timedelta(days=2)
    booked = await api.post(
        "/v1/bookings",
        json={
            "vehicle_id": vehicle["vehicle_id"],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=2)).isoformat(),
        },
        headers=bearer(await token_for(api.app, "customer", customer)),  # type: ignore[attr-defined]
    )
    assert booked.json()["customer_id"] == str(customer)
    history = (await api.get(f"/v1/vehicles/{vehicle['vehicle_id']}/history")).json()["items"]
    assert history[0]["metadata"]["actor"].startswith("admin:")
    assert history[-1]["metadata"]["actor"] == f"customer:{customer}"
