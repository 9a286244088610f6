"""Two organizations on one read side, each with data of every kind (the fixture `orgs`),
for the isolation tests of this folder."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import pytest_asyncio

from command_service.domain import commands as cmd
from query_service.store import schemas
from query_service.store.row_security import READER_ROLE
from tests.conftest import FakeClock, Issuer
from tests.query.conftest import Fleet, ReadSide, start_read_side
from tests.query.payment_support import PaidHold
from tests.query.pricing_support import publish, terms
from tests.query.test_locations_api import open_location


async def token_of(issuer: Issuer, role: str, organization_id: UUID) -> str:
    """An access token of `role` in the organization (claim `org`)."""
    return await issuer.token(role, organization_id=organization_id)


@dataclass
class Org:
    """One organization's data on the read side and a manager's client of it."""

    organization_id: UUID
    location_id: UUID
    ids: dict[str, UUID]
    http: httpx.AsyncClient
    token: str

    async def ok(self, path: str, **params: Any) -> Any:
        response = await self.http.get(path, params=params)
        assert response.status_code == 200, (path, response.text)
        return response.json()


async def book(
    fleet: Fleet, vehicle_id: UUID, hours: tuple[float, float], purpose: str, cost_centre: str
) -> UUID:
    """A booking through the command domain, charged to `cost_centre`."""
    booking_id, customer = uuid.uuid4(), uuid.uuid4()
    start, end = fleet.at(hours=hours[0]), fleet.at(hours=hours[1])
    command = cmd.BookVehicle(
        booking_id, customer, start, end, purpose=purpose, cost_centre=cost_centre
    )
    await fleet.run(vehicle_id, command)
    return booking_id


async def populate(fleet: Fleet, organization_id: UUID) -> tuple[UUID, dict[str, UUID]]:
    """A location, a vehicle there with a paid booking and a running trip, one without a
    location with a hold, a maintenance window and a cost-centre booking; a pricing
    policy in two versions."""
    location_id = await open_location(fleet, organization_id)
    vehicle = await fleet.register(organization_id=organization_id, location_id=location_id)
    other = await fleet.register(organization_id=organization_id)
    booking = await fleet.book(vehicle, fleet.at(minutes=10), fleet.at(hours=3))
    trip = await fleet.start_trip(vehicle, booking, 10_100)
    hold = await fleet.hold(other, fleet.at(days=1), fleet.at(days=1, hours=2))
    maintenance = await fleet.maintenance(other, fleet.at(days=2), fleet.at(days=3))
    allocated = await book(fleet, other, (100, 102), "site visit", f"CC-{organization_id.hex[:6]}")
    policy = await publish(fleet, organization_id, terms(name="Revised"))
    customer = await fleet.conn.fetchval("SELECT customer_id FROM bookings WHERE booking_id = $1",
                                         booking)  # fmt: skip
    paid = PaidHold(fleet, uuid.uuid4(), vehicle, customer, booking, 10_000,
                    organization_id=organization_id)  # fmt: skip
    await paid.start()
    await paid.authorize()
    return location_id, {
        "vehicle_id": vehicle, "other_vehicle_id": other, "booking_id": booking,
        "trip_id": trip, "hold_id": hold, "maintenance_id": maintenance,
        "allocated_booking_id": allocated, "location_id": location_id, "policy_id": policy,
        "payment_id": paid.payment_id,
    }  # fmt: skip


async def _stay_the_owner(conn: asyncpg.Connection) -> None:
    """The readers' connections stay the owner, whom row-level security does not filter."""


@pytest_asyncio.fixture(params=["both walls", "the queries alone"])
async def orgs(
    query_dsn: str,
    clock: FakeClock,
    issuer: Issuer,
    request: pytest.FixtureRequest,
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[tuple[Org, Org, ReadSide]]:
    """Organizations A and B (fresh ids), each with data, on one read side."""
    if request.param == "the queries alone":
        monkeypatch.setattr(schemas, "become_reader", _stay_the_owner)
    async for read in start_read_side(query_dsn, clock, issuer):
        made = []
        for _ in range(2):
            org_id = uuid.uuid4()
            location, ids = await populate(read.fleet, org_id)
            token = await token_of(issuer, "fleet_manager", org_id)
            client = httpx.AsyncClient(
                transport=httpx.ASGITransport(app=read.app), base_url="http://query",
                headers={"Authorization": f"Bearer {token}"},
            )  # fmt: skip
            made.append(Org(org_id, location, ids, client, token))
        try:
            yield made[0], made[1], read
        finally:
            for org in made:
                await org.http.aclose()


async def count_as_reader(
    conn: asyncpg.Connection, table: str, setting: tuple[str, object] | None = None
) -> int:
    """count(*) of `table` in a transaction as fleet_reader, with `setting` (name, value)
    set in it or none."""
    async with conn.transaction():
        await conn.execute(f"SET LOCAL ROLE {READER_ROLE}")
        if setting is not None:
            await conn.execute("SELECT set_config($1, $2, true)", setting[0], str(setting[1]))
        count: int = await conn.fetchval(f"SELECT count(*) FROM {table}")
        return count
