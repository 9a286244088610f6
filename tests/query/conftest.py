"""The query app built as production builds it, fed by the real page applier.

Events come from the command domain (`decide` at the fake clock's now, then `fold`), so
the streams the read side sees are exactly the ones the command side writes.
"""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import pytest
import pytest_asyncio
from fastapi import FastAPI

from command_service.domain import VehicleState, decide, fold
from command_service.domain import commands as cmd
from query_service.app import create_app
from query_service.applier import PageApplier
from query_service.auth import JwksKeySource
from query_service.settings import Settings
from query_service.store.schemas import connect
from shared.contract.events import Event, Location
from tests.conftest import Cluster, FakeClock, Issuer

_serial = itertools.count(1)
_positions = itertools.count(1)


@pytest_asyncio.fixture(scope="module")
async def query_dsn(cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A fresh fleet_query database for this test module."""
    prefix = "qry_" + request.module.__name__.rsplit(".", 1)[-1][:20]
    return await cluster.create_database(prefix)


@dataclass
class Fleet:
    """Drives vehicles through the command domain and projects every event it decides."""

    conn: asyncpg.Connection
    clock: FakeClock
    states: dict[UUID, VehicleState] = field(default_factory=dict)
    events: list[tuple[Event, int]] = field(default_factory=list)
    _applier: PageApplier | None = None

    def at(self, **delta: float) -> datetime:
        """A moment relative to the clock's now."""
        return self.clock.now + timedelta(**delta)

    async def apply(self, *events: Event) -> None:
        """Apply the events as one page, as the live consumer applies one poll."""
        records = [(event, next(_positions)) for event in events]
        result = await (await self.applier()).apply(records)
        assert len(result.applied) == len(records), result
        self.events.extend(records)

    async def applier(self) -> PageApplier:
        if self._applier is None:
            self._applier = await PageApplier.create(self.conn)
        return self._applier

    def decided(self, vehicle_id: UUID, command: cmd.Command) -> list[Event]:
        """The command's events, decided at the clock's now and folded into the vehicle's
        state, not applied yet."""
        state = self.states.get(vehicle_id)
        events = decide(state, command, self.clock.now, uuid.uuid4)
        new_state = fold(events, state)
        assert new_state is not None
        self.states[vehicle_id] = new_state
        return events

    async def run(self, vehicle_id: UUID, command: cmd.Command) -> list[Event]:
        events = self.decided(vehicle_id, command)
        await self.apply(*events)
        return events

    async def register(self, **overrides: Any) -> UUID:
        n = next(_serial)
        fields: dict[str, Any] = {
            "vehicle_id": uuid.uuid4(),
            "vin": f"WVWZZZ1JZXW{n:06d}",
            "plate": f"Q-{n:06d}",
            "make": "Volkswagen",
            "model": "Golf",
            "year": 2028,
            "seats": 5,
            "hourly_rate_cents": 1_000,
            "daily_rate_cents": 6_000,
            "currency": "EUR",
            "odometer_km": 10_000,
            "home": Location(lat=52.52, lon=13.405),
        }
        fields.update(overrides)
        await self.run(fields["vehicle_id"], cmd.RegisterVehicle(**fields))
        return UUID(str(fields["vehicle_id"]))

    async def book(
        self, vehicle_id: UUID, start: datetime, end: datetime, customer_id: UUID | None = None
    ) -> UUID:
        booking_id = uuid.uuid4()
        customer = customer_id or uuid.uuid4()
        await self.run(vehicle_id, cmd.BookVehicle(booking_id, customer, start, end))
        return booking_id

    async def hold(
        self, vehicle_id: UUID, start: datetime, end: datetime, ttl_seconds: int = 900
    ) -> UUID:
        hold_id = uuid.uuid4()
        command = cmd.PlaceHold(hold_id, uuid.uuid4(), start, end, ttl_seconds)
        await self.run(vehicle_id, command)
        return hold_id

    async def maintenance(self, vehicle_id: UUID, start: datetime, end: datetime) -> UUID:
        maintenance_id = uuid.uuid4()
        command = cmd.ScheduleMaintenance(maintenance_id, start, end, "service")
        await self.run(vehicle_id, command)
        return maintenance_id

    async def start_trip(self, vehicle_id: UUID, booking_id: UUID, odometer_km: int) -> UUID:
        trip_id = uuid.uuid4()
        await self.run(vehicle_id, cmd.StartTrip(trip_id, booking_id, odometer_km))
        return trip_id


@dataclass
class ReadSide:
    """The query app (lifespan running), an HTTP client on it and a fleet that feeds it."""

    app: FastAPI
    http: httpx.AsyncClient
    fleet: Fleet

    async def get(self, path: str, **params: Any) -> httpx.Response:
        return await self.http.get(path, params=params)

    async def ok(self, path: str, **params: Any) -> Any:
        response = await self.get(path, **params)
        assert response.status_code == 200, response.text
        return response.json()


async def start_read_side(
    dsn: str, clock: FakeClock, issuer: Issuer, role: str = "fleet_manager"
) -> AsyncIterator[ReadSide]:
    """The query app trusting `issuer`'s JWKS; its client is signed in with `role`."""
    settings = Settings(database_url=dsn, consume=False, log_level="WARNING", pool_min=1)
    app = create_app(settings, clock=clock, keys=JwksKeySource(issuer.http))
    async with app.router.lifespan_context(app):
        conn = await connect(dsn, app.state.read_db.active_schema)
        transport = httpx.ASGITransport(app=app)
        headers = {"Authorization": f"Bearer {await issuer.token(role)}"}
        try:
            async with httpx.AsyncClient(
                transport=transport, base_url="http://query", headers=headers
            ) as http:
                yield ReadSide(app, http, Fleet(conn, clock))
        finally:
            await conn.close()


@pytest_asyncio.fixture
async def read(query_dsn: str, clock: FakeClock, issuer: Issuer) -> AsyncIterator[ReadSide]:
    """The read side on this module's database, with the test's fake clock, read by a
    fleet manager."""
    async for read_side in start_read_side(query_dsn, clock, issuer):
        yield read_side


@pytest.fixture
def fleet(read: ReadSide) -> Fleet:
    return read.fleet


def iso(moment: datetime) -> str:
    """How responses spell a UTC moment."""
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")
