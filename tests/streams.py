"""Vehicle streams written straight through the domain and the event store (no HTTP)."""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from command_service.domain import VehicleState, decide, fold
from command_service.domain import commands as cmd
from command_service.store.event_store import EventStore

META = {"correlation_id": "corr-1", "causation_id": "req-1", "actor": "test"}
_serial = iter(range(1, 10**9))


async def register_vehicle(store: EventStore, clock: Any) -> tuple[uuid.UUID, VehicleState]:
    """Append a registration with a VIN and plate no other stream uses."""
    n = next(_serial)
    vehicle_id = uuid.uuid4()
    command = cmd.RegisterVehicle(
        vehicle_id=vehicle_id, vin=f"1HGCM82633A{n:06d}", plate=f"ES-{n:06d}", make="Honda",
        model="Accord", year=2023, seats=5, hourly_rate_cents=1000, daily_rate_cents=5000,
        currency="EUR", odometer_km=0,
    )  # fmt: skip
    events = decide(None, command, clock.now, uuid.uuid4)
    state = fold(events)
    assert state is not None
    await store.append(vehicle_id, None, events, state, META)
    return vehicle_id, state


def booking_command(clock: Any, hours: int) -> cmd.BookVehicle:
    """A one-hour booking starting `hours` from the clock's now."""
    start = clock.now + timedelta(hours=hours)
    return cmd.BookVehicle(booking_id=uuid.uuid4(), customer_id=uuid.uuid4(), start=start,
                           end=start + timedelta(hours=1))  # fmt: skip


async def append_booking(
    store: EventStore, clock: Any, vehicle_id: uuid.UUID, state: VehicleState, hours: int
) -> VehicleState:
    """Decide and append a booking on the vehicle; returns the state after it."""
    events = decide(state, booking_command(clock, hours), clock.now, uuid.uuid4)
    after = fold(events, state)
    assert after is not None
    await store.append(vehicle_id, state, events, after, META)
    return after
