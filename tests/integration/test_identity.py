"""Accounts and tokens (API.md §Identity) through the command API, in process."""

from __future__ import annotations

import asyncio
import os
import sys
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
import pytest_asyncio

from command_service.api.app import create_app
from command_service.identity import refresh_tokens
from command_service.identity.settings import IdentitySettings
from command_service.store.pool import create_pool
from deploy.services import ROOT
from shared.kit.auth.errors import InvalidTokenError
from tests.conftest import Cluster, FakeClock, in_process_settings
from tests.integration.conftest import bearer, new_vehicle, token_for

PASSWORD = "correct horse battery staple"


@asynccontextmanager
async def tokenless_client(
    command_dsn: str, identity: IdentitySettings
) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no token on an app with these identity settings."""
    app = create_app(in_process_settings(command_dsn, identity=identity))
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://command") as client:
            yield client


@pytest_asyncio.fixture
async def anonymous(command_dsn: str) -> AsyncIterator[httpx.AsyncClient]:
    """A client with no token, on an app whose env names a first admin."""
    identity = IdentitySettings(
        bootstrap_admin_email="Root@Fleet.Example", bootstrap_admin_password=PASSWORD
    )
    async with tokenless_client(command_dsn, identity) as client:
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


async def test_a_weaker_password_hash_is_upgraded_at_sign_in(
    anonymous: httpx.AsyncClient, command_dsn: str, db: asyncpg.Connection
) -> None:
    weak = IdentitySettings(argon2_time_cost=1, argon2_memory_kib=8192, argon2_parallelism=1)
    body = {"email": "old@example.org", "password": PASSWORD, "name": "Old"}
    async with tokenless_client(command_dsn, weak) as old_install:
        assert (await old_install.post("/v1/auth/register", json=body)).status_code == 201
    stored = "SELECT password_hash FROM users WHERE email = 'old@example.org'"
    assert "m=8192,t=1,p=1" in await db.fetchval(stored)
    await _sign_in(anonymous, "old@example.org")  # today's parameters: t=3, 64 MiB, p=4
    assert "m=65536,t=3,p=4" in await db.fetchval(stored)


async def test_the_same_address_in_another_case_is_taken_without_saying_so(
    anonymous: httpx.AsyncClient, db: asyncpg.Connection
) -> None:
    body = {"email": "bob@example.org", "password": PASSWORD, "name": "Bob"}
    first = await anonymous.post("/v1/auth/register", json=body)
    assert first.status_code == 201
    again = await anonymous.post("/v1/auth/register", json={**body, "email": "BOB@example.org"})
    assert again.status_code == 201
    assert set(again.json()) == set(first.json())
    assert again.json()["user_id"] != first.json()["user_id"]
    assert await db.fetchval("SELECT count(*) FROM users WHERE email = 'bob@example.org'") == 1


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


async def test_two_refreshes_racing_with_one_token_end_the_session(
    anonymous: httpx.AsyncClient,
) -> None:
    """One wins the rotation, the other is reuse: the whole family dies with it."""
    token = (await _sign_in(anonymous, "root@fleet.example"))["refresh_token"]
    answers = await asyncio.gather(
        *(anonymous.post("/v1/auth/refresh", json={"refresh_token": token}) for _ in range(2))
    )
    assert sorted(a.status_code for a in answers) == [200, 401]
    (winner,) = [a.json()["refresh_token"] for a in answers if a.status_code == 200]
    again = await anonymous.post("/v1/auth/refresh", json={"refresh_token": winner})
    assert again.status_code == 401


async def test_a_token_issued_into_a_family_after_its_revocation_is_refused(
    anonymous: httpx.AsyncClient, command_dsn: str, db: asyncpg.Connection
) -> None:
    """The unlucky order of that race, forced: the winner writes its new token only after
    the reuse has revoked the family."""
    pool = await create_pool(command_dsn, 1, 2)
    try:
        user_id = await db.fetchval("SELECT user_id FROM users WHERE role = 'admin'")
        family = uuid.uuid4()
        first = await refresh_tokens.issue(pool, user_id, family)
        await refresh_tokens.consume(pool, first)  # the winner rotates...
        await refresh_tokens.revoke_family(pool, family, "reused")  # ...the reuse revokes...
        late = await refresh_tokens.issue(pool, user_id, family)  # ...then the winner writes
        with pytest.raises(InvalidTokenError):
            await refresh_tokens.consume(pool, late)
    finally:
        await pool.close()


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
