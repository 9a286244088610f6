"""A fleet with weeks of operating history, written straight into the event store.

Each vehicle walks its own fake clock forward through the past: holds that are confirmed,
bookings, cancellations, no-shows, trips, maintenance; every event comes from the domain
(`decide`/`fold`, with `prune` as the command service does) and is appended through
`EventStore.append` in batches, so the log is what the command service would store.
"""

from __future__ import annotations

import asyncio
import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

from bench.pipeline_seed import prepare
from command_service.domain import VehicleState, decide, fold, prune
from command_service.domain import commands as cmd
from command_service.store.event_store import EventStore
from command_service.store.feed import events_after
from command_service.store.pool import create_pool
from query_service.feed_client import event_of
from shared.contract.events import Event
from shared.contract.serialization import dumps, loads

METADATA = {"correlation_id": "bench-analytics", "causation_id": "bench-analytics",
            "actor": "bench"}  # fmt: skip
APPEND_BATCH = 250
QUARTER = timedelta(minutes=15)
IN_FLIGHT = 2


@dataclass(frozen=True)
class HistoryPlan:
    vehicles: int
    events_per_vehicle: int
    start: datetime  # the history begins here (a UTC midnight)
    seed: int = 11


class _Vehicle:
    """One vehicle's stream being written: its state, its clock and unsent events."""

    def __init__(self, n: int, plan: HistoryPlan, store: EventStore) -> None:
        self.rng = random.Random(plan.seed * 7_919 + n)
        self.id, self.store, self.target = uuid.uuid4(), store, plan.events_per_vehicle
        self.now = plan.start + self.rng.randrange(24) * QUARTER
        self.state: VehicleState | None = None
        self.before: VehicleState | None = None
        self.pending: list[Event] = []
        self.odometer = self.rng.randrange(0, 120_000)

    async def run(self, command: object, at: datetime | None = None) -> list[Event]:
        self.now = at or self.now
        base = prune(self.state, self.now) if self.state is not None else None
        new = decide(base, command, self.now, uuid.uuid4)  # type: ignore[arg-type]
        self.state = fold(new, base)
        self.pending += new
        if len(self.pending) >= APPEND_BATCH:
            await self.flush()
        return new

    async def flush(self) -> None:
        if self.pending and self.state is not None:
            await self.store.append(self.id, self.before, self.pending, self.state, METADATA)
            self.before, self.pending = self.state, []

    @property
    def version(self) -> int:
        return 0 if self.state is None else self.state.version


def _registration(v: _Vehicle, n: int) -> cmd.RegisterVehicle:
    hourly = v.rng.randrange(800, 4_000, 50)
    return cmd.RegisterVehicle(
        vehicle_id=v.id, vin=f"ANLY{n:013d}", plate=f"AN-{n:07d}", make="Skoda",
        model="Octavia", year=2024, seats=5, hourly_rate_cents=hourly,
        daily_rate_cents=hourly * 6, currency="EUR", odometer_km=v.odometer,
    )  # fmt: skip


async def _booking(v: _Vehicle) -> None:
    """One customer booking: held first or booked at once, then cancelled, not used, or
    driven (trip from the start for part of the window)."""
    start = v.now + v.rng.randrange(2, 48) * QUARTER
    end = start + v.rng.randrange(4, 32) * QUARTER
    booking_id, customer = uuid.uuid4(), uuid.UUID(int=v.rng.randrange(1, 20_000))
    if v.rng.random() < 0.2:
        hold_id = uuid.uuid4()
        await v.run(cmd.PlaceHold(hold_id, customer, start, end, 900))
        await v.run(cmd.ConfirmHold(hold_id, booking_id), v.now + timedelta(minutes=5))
    else:
        await v.run(cmd.BookVehicle(booking_id, customer, start, end))
    fate = v.rng.random()
    if fate < 0.1:
        await v.run(cmd.CancelBooking(booking_id, "bench"), v.now + (start - v.now) / 2)
    elif fate < 0.15:
        v.now = end + QUARTER  # a no-show
    else:
        trip_id = uuid.uuid4()
        await v.run(cmd.StartTrip(trip_id, booking_id, v.odometer), start)
        v.odometer += v.rng.randrange(5, 400)
        await v.run(cmd.EndTrip(trip_id, v.odometer), start + (end - start) * v.rng.random())


async def _maintenance(v: _Vehicle) -> None:
    window_id, start = uuid.uuid4(), v.now + timedelta(hours=1)
    await v.run(cmd.ScheduleMaintenance(window_id, start, start + timedelta(hours=4), "service"))
    await v.run(cmd.CompleteMaintenance(window_id, v.odometer), start + timedelta(hours=3))


async def write_vehicle(plan: HistoryPlan, n: int, store: EventStore) -> int:
    """Register vehicle `n` and write its history up to the planned number of events."""
    v = _Vehicle(n, plan, store)
    await v.run(_registration(v, n))
    while v.version < plan.events_per_vehicle - 6:
        await (_maintenance(v) if v.rng.random() < 0.02 else _booking(v))
        v.now += v.rng.randrange(0, 16) * QUARTER
    await v.flush()
    return v.version


async def seed_history(dsn: str, plan: HistoryPlan) -> tuple[int, list[UUID]]:
    """Write the whole fleet, a few vehicles in flight; returns (events, vehicle ids)."""
    await prepare(dsn)
    pool = await create_pool(dsn, IN_FLIGHT, IN_FLIGHT)
    store, total, pending = EventStore(pool), 0, set()
    try:
        for n in range(plan.vehicles):
            if len(pending) >= IN_FLIGHT:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                total += sum(task.result() for task in done)
            pending.add(asyncio.create_task(write_vehicle(plan, n, store)))
        total += sum(await asyncio.gather(*pending))
        ids = [r[0] for r in await pool.fetch("SELECT DISTINCT stream_id FROM events")]
    finally:
        await pool.close()
    return total, ids


class StoreFeed:
    """The command service's catch-up feed read straight from its database (same order and
    shape as GET /v1/events), so the replay measures projection, not HTTP or sign-in."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def page(self, after: int, limit: int = 1000) -> tuple[list[tuple[Event, int]], int]:
        found = await events_after(self._pool, after, limit, None)
        items = [loads(dumps(item)) for item in found.items]
        page = [event_of(item) for item in items]
        return page, page[-1][1] if page else after

    async def close(self) -> None:
        await self._pool.close()
