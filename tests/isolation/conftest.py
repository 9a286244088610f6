"""Three organizations on one full stack (both services, relay, broker, projection).

A platform admin (made with the admin CLI, as on a real install) creates organizations
A, B and C through the API; each gets an admin (by the platform admin), a fleet manager
(by its own admin) and a customer (who registers at the organization's slug). B holds a
few records of its own, C none. What B and C read is recorded before A writes anything;
then A fills its fleet (a location, vehicles, a pricing policy, an open hold, bookings, a
running trip, a paid booking and a maintenance window) and disables a colleague's account.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import pytest_asyncio

from deploy.services import ROOT
from tests.conftest import Cluster
from tests.integration.conftest import new_vehicle
from tests.isolation.generator import QUOTED
from tests.payment_streams import record_payment
from tests.pipeline.conftest import broker  # noqa: F401 (the session's embedded broker)
from tests.pipeline.stack import Stack, wait_caught_up
from tests.security.conftest import person
from tests.security.support import PASSWORD, Person, unique_email

DAY = 1440  # minutes
POLICY = {"name": "Fleet rates", "currency": "EUR", "priority": 1,
          "rates": {"hourly_cents": 1500, "daily_cents": 7000}}  # fmt: skip


@dataclass
class Organization:
    """An organization, its people, and the ids of its records by kind."""

    slug: str
    organization_id: str
    admin: Person
    manager: Person
    customer: Person
    records: dict[str, str] = field(default_factory=dict)  # kind -> one id of that kind
    every_id: set[str] = field(default_factory=set)  # every id it owns, of any kind

    @property
    def callers(self) -> dict[str, Person]:
        return {"admin": self.admin, "manager": self.manager, "customer": self.customer}

    def own(self, kind: str, value: str) -> str:
        """Remember `value` as one of its records (the first of a kind stands for it)."""
        self.records.setdefault(kind, value)
        self.every_id.add(value)
        return value


@dataclass
class World:
    """The stack, both services' clients and live OpenAPI documents, the organizations,
    and what B and C read before A wrote anything and once A's fleet was projected."""

    stack: Stack
    clients: dict[str, httpx.AsyncClient]
    documents: dict[str, dict[str, Any]]
    orgs: dict[str, Organization] = field(default_factory=dict)
    before: dict[tuple[str, ...], tuple[int, str, str]] = field(default_factory=dict)
    after: dict[tuple[str, ...], tuple[int, str, str]] = field(default_factory=dict)


@dataclass
class Writer:
    """Writes through the command API, failing loudly on any unexpected answer."""

    http: httpx.AsyncClient

    async def post(
        self, path: str, body: dict[str, Any], who: Person | None, status: int = 201
    ) -> Any:
        resp = await self.http.post(path, json=body, headers=who.auth if who else {})
        assert resp.status_code == status, f"POST {path}: {resp.status_code} {resp.text}"
        return resp.json()


def window(days: float, minutes: float = 0, length_min: float = 120) -> dict[str, str]:
    start = datetime.now(UTC) + timedelta(days=days, minutes=minutes)
    return {"start": start.isoformat(), "end": (start + timedelta(minutes=length_min)).isoformat()}


def platform_admin(command_dsn: str) -> str:
    """A platform_admin account made with the admin CLI; returns its e-mail."""
    email = unique_email("platform")
    env = {**os.environ, "FLEET_NEW_USER_PASSWORD": PASSWORD, "FLEET_ENV_FILE": ""}
    args = [
        "--database-url",
        command_dsn,
        "create-user",
        "--email",
        email,
        "--role",
        "platform_admin",
    ]
    subprocess.run(
        [sys.executable, "-m", "command_service.identity.cli", *args],
        cwd=ROOT,
        env=env,
        check=True,
        capture_output=True,
        timeout=60,
    )
    return email


async def organization(write: Writer, root: Person, name: str) -> Organization:
    """Created by the platform admin; its admin adds the manager; a customer signs up."""
    slug = f"{name}-{uuid.uuid4().hex[:6]}"
    made = await write.post("/v1/organizations", {"name": f"Org {slug}", "slug": slug}, root)
    org_id = made["organization_id"]
    staff: dict[str, Person] = {}
    for role, by in (("admin", root), ("fleet_manager", None)):
        email = unique_email(f"{name}-{role}")
        body = {"email": email, "password": PASSWORD, "name": role, "role": role}
        await write.post(f"/v1/organizations/{org_id}/staff", body, by or staff["admin"])
        staff[role] = await person(write.http, email, PASSWORD)
    email = unique_email(f"{name}-customer")
    body = {"email": email, "password": PASSWORD, "name": "customer", "organization": slug}
    await write.post("/v1/auth/register", body, None)
    customer = await person(write.http, email, PASSWORD)
    org = Organization(slug, org_id, staff["admin"], staff["fleet_manager"], customer)
    org.own("organization", org_id)
    org.own("customer", str(customer.user_id))
    org.every_id |= {str(staff["admin"].user_id), str(staff["fleet_manager"].user_id)}
    return org


async def fill(write: Writer, org: Organization, trip: str, command_dsn: str) -> None:
    """A location, two vehicles, a pricing policy naming them, a quote, an open hold, a
    booking with an authorized payment, maintenance and a trip that is `running` or
    `ended` (at rest: nothing the organization reads moves with the clock)."""
    m, c = org.manager, org.customer
    place = {"name": f"{org.slug} central", "lat": 52.52, "lon": 13.4, "timezone": "Europe/Berlin"}
    made = await write.post("/v1/locations", place, org.admin)
    location = org.own("location", made["location_id"])
    first = await write.post("/v1/vehicles", new_vehicle(location_id=location), m)
    second = await write.post("/v1/vehicles", new_vehicle(), m)
    v1, v2 = org.own("vehicle", first["vehicle_id"]), org.own("vehicle", second["vehicle_id"])
    policy = {**POLICY, "applies_to": {"vehicle_ids": [v1, v2], "location_id": location}}
    made = await write.post("/v1/pricing/policies", policy, m)
    org.own("pricing_policy", made["policy_id"])
    quote = await write.post("/v1/quotes", {"vehicle_id": v1, **QUOTED}, c)
    org.own("quote", quote["quote_id"])
    hold = await write.post("/v1/holds", {"vehicle_id": v2, "ttl_seconds": 3600, **window(3)}, c)
    org.own("hold", hold["hold_id"])
    booked = await write.post("/v1/bookings", {"vehicle_id": v1, **window(2)}, c)
    org.own("booking", booked["booking_id"])
    paid = await record_payment(command_dsn, org.organization_id, booked, str(c.user_id))
    org.own("payment", paid)
    body = {"reason": "tyres", **window(5)}
    org.own(
        "maintenance",
        (await write.post(f"/v1/vehicles/{v1}/maintenance", body, m))["maintenance_id"],
    )
    # A trip may start within the 15 minutes before its booking.
    soon = await write.post("/v1/bookings", {"vehicle_id": v2, **window(0, 2, 60)}, c)
    org.own("booking", soon["booking_id"])
    body = {"booking_id": soon["booking_id"], "odometer_km": 50_000}
    started = org.own("trip", (await write.post("/v1/trips", body, c))["trip_id"])
    if trip == "ended":
        await write.post(f"/v1/trips/{started}/end", {"odometer_km": 50_042}, c, 200)


async def disable_a_colleague(write: Writer, org: Organization) -> None:
    """Its admin adds a manager and disables them: a revocation naming its user id."""
    email = unique_email(f"{org.slug}-leaver")
    body = {"email": email, "password": PASSWORD, "name": "leaver", "role": "fleet_manager"}
    made = await write.post(f"/v1/organizations/{org.organization_id}/staff", body, org.admin)
    org.every_id.add(made["user_id"])
    await write.post(f"/v1/users/{made['user_id']}/disable", {}, org.admin, 200)


@pytest_asyncio.fixture(scope="package")
async def stack(
    cluster: Cluster,
    broker: Any,  # noqa: F811
    tmp_path_factory: pytest.TempPathFactory,
) -> AsyncIterator[Stack]:
    """Both services with relay and projection, over fresh databases and topic."""
    running = Stack(
        command_dsn=await cluster.create_database("iso_cmd"),
        query_dsn=await cluster.create_database("iso_qry"),
        bootstrap=broker.bootstrap,
        topic=f"isolation.{uuid.uuid4().hex[:8]}",
        log_dir=tmp_path_factory.mktemp("isolation"),
        # Every account signs up and in from 127.0.0.1; throttling has its own tests.
        command_extra_env={
            "FLEET_LOGIN_ATTEMPTS_PER_ADDRESS": "1000",
            "FLEET_REGISTRATIONS_PER_ADDRESS": "1000",
        },
    )
    try:
        await asyncio.to_thread(running.start_command)
        await asyncio.to_thread(running.start_query)
        yield running
    finally:
        running.stop()


@pytest_asyncio.fixture(scope="package")
async def clients(stack: Stack) -> AsyncIterator[dict[str, httpx.AsyncClient]]:
    async with (
        httpx.AsyncClient(base_url=stack.command_url, timeout=30) as command,
        httpx.AsyncClient(base_url=stack.query_url, timeout=30) as query,
    ):
        yield {"command": command, "query": query}


@pytest_asyncio.fixture(scope="package")
async def documents(clients: dict[str, httpx.AsyncClient]) -> dict[str, dict[str, Any]]:
    """Both services' OpenAPI documents, as the running services serve them."""
    found = {}
    for service, client in clients.items():
        resp = await client.get("/openapi.json")
        assert resp.status_code == 200, resp.text
        found[service] = resp.json()
    return found


@pytest_asyncio.fixture(scope="package")
async def world(
    stack: Stack, clients: dict[str, httpx.AsyncClient], documents: dict[str, dict[str, Any]]
) -> World:
    """Three organizations; B's and C's reads recorded before and after A's fleet."""
    from tests.isolation.checks import read_everything

    built = World(stack, clients, documents)
    write = Writer(clients["command"])
    root = await person(write.http, platform_admin(stack.command_dsn), PASSWORD)
    built.orgs = {name: await organization(write, root, name) for name in ("a", "b", "c")}
    await fill(write, built.orgs["b"], trip="ended", command_dsn=stack.command_dsn)
    await wait_caught_up(stack)
    built.before = await read_everything(built, ("b", "c"))
    await fill(write, built.orgs["a"], trip="running", command_dsn=stack.command_dsn)
    await disable_a_colleague(write, built.orgs["a"])
    await wait_caught_up(stack)
    built.after = await read_everything(built, ("b", "c"))  # before any test writes
    return built
