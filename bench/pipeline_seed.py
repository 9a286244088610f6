"""A fleet with a year of bookings, written straight into the event store.

Every vehicle's events come from the domain itself (`decide`/`fold`) under a fixed fake
clock (the moment the plan was made) and are appended through `EventStore.append` (one
append per vehicle), so the log is exactly what the command service would have stored. Bookings are
spread evenly over the year after `FleetPlan.base`: the year is cut into one slot per
booking plus one, each vehicle's slots shifted by its own random phase of up to a slot
(so vehicles are not in step), and each booking (1 h to 2 days) lies at a random
15-minute offset inside its slot, so no two overlap and every decision succeeds.
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg

from command_service.domain import VehicleState, decide, fold
from command_service.domain import commands as cmd
from command_service.store.event_store import EventStore
from command_service.store.migrate import migrate
from command_service.store.pool import create_pool
from shared.contract.events import Event

# (make, model, seats): 8 makes, 20 models, 2 to 9 seats.
MODELS = (
    ("Skoda", "Fabia", 5), ("Skoda", "Octavia", 5), ("Skoda", "Kodiaq", 7),
    ("Volkswagen", "Polo", 5), ("Volkswagen", "Golf", 5), ("Volkswagen", "Multivan", 7),
    ("Renault", "Clio", 5), ("Renault", "Trafic", 9), ("Toyota", "Yaris", 5),
    ("Toyota", "Corolla", 5), ("Toyota", "Proace", 9), ("Fiat", "500", 4), ("Fiat", "Ducato", 3),
    ("BMW", "3 Series", 5), ("BMW", "Z4", 2), ("Tesla", "Model 3", 5), ("Tesla", "Model Y", 5),
    ("Ford", "Focus", 5), ("Ford", "Transit", 3), ("Ford", "Galaxy", 7),
)  # fmt: skip
MAKES = tuple(sorted({make for make, _, _ in MODELS}))
SEATS = tuple(sorted({seats for _, _, seats in MODELS}))
YEAR = timedelta(days=364)  # a booking may start at most 365 days ahead
QUARTER_HOUR = timedelta(minutes=15)
CUSTOMERS = 10_000
METADATA = {"correlation_id": "bench-pipeline", "causation_id": "bench-pipeline", "actor": "bench"}
IN_FLIGHT = 2  # appends running while the next vehicle is decided


@dataclass(frozen=True)
class FleetPlan:
    """Which vehicles to write: numbers first..first+count-1 of a fleet seeded with `seed`."""

    bookings_per_vehicle: int
    now: datetime  # the fake clock of every decision
    seed: int = 7

    @property
    def events_per_vehicle(self) -> int:
        return 1 + self.bookings_per_vehicle

    @property
    def base(self) -> datetime:
        """The first bookable instant (a full hour): bookings lie in [base, base + YEAR)."""
        return self.now.replace(minute=0, second=0, microsecond=0) + timedelta(hours=2)


def plan_for(bookings_per_vehicle: int, seed: int = 7) -> FleetPlan:
    """A plan decided at the current time."""
    return FleetPlan(bookings_per_vehicle, datetime.now(UTC).replace(microsecond=0), seed)


def _registration(n: int, rng: random.Random) -> cmd.RegisterVehicle:
    make, model, seats = MODELS[rng.randrange(len(MODELS))]
    hourly = rng.randrange(800, 4000, 50)
    return cmd.RegisterVehicle(
        vehicle_id=uuid.uuid4(),
        vin=f"RDPL{n:013d}",
        plate=f"RP-{n:07d}",
        make=make,
        model=model,
        year=rng.randrange(2016, 2026),
        seats=seats,
        hourly_rate_cents=hourly,
        daily_rate_cents=hourly * rng.randrange(5, 9),
        currency="EUR",
        odometer_km=rng.randrange(0, 150_000),
    )


def vehicle_events(plan: FleetPlan, n: int) -> tuple[uuid.UUID, list[Event], VehicleState]:
    """Registration and bookings of vehicle number `n`, decided by the domain."""
    rng = random.Random(plan.seed * 1_000_003 + n)
    register = _registration(n, rng)
    events = decide(None, register, plan.now, uuid.uuid4)
    state = fold(events)
    slot = YEAR / (plan.bookings_per_vehicle + 1)  # n slots after a phase of up to one
    phase = plan.base + rng.randrange(int(slot / QUARTER_HOUR)) * QUARTER_HOUR
    for k in range(plan.bookings_per_vehicle):
        hours = rng.randrange(1, 49)
        length = min(timedelta(hours=hours), slot - QUARTER_HOUR)
        room = int((slot - length) / QUARTER_HOUR)
        start = phase + k * slot + rng.randrange(max(room, 1)) * QUARTER_HOUR
        customer = uuid.UUID(int=rng.randrange(1, CUSTOMERS + 1))
        book = cmd.BookVehicle(uuid.uuid4(), customer, start, start + length)
        new = decide(state, book, plan.now, uuid.uuid4)
        state = fold(new, state)
        events += new
    assert state is not None
    return register.vehicle_id, events, state


@dataclass
class SeedResult:
    vehicles: int
    events: int
    seconds: float

    @property
    def events_per_second(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0


async def prepare(dsn: str) -> None:
    """Apply the command service's migrations to a fresh database."""
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn)
    finally:
        await conn.close()


async def seed(dsn: str, plan: FleetPlan, first: int, count: int) -> SeedResult:
    """Append vehicles first..first+count-1 of the plan, a few appends in flight."""
    started = time.perf_counter()
    await prepare(dsn)
    pool = await create_pool(dsn, IN_FLIGHT, IN_FLIGHT)
    store = EventStore(pool)
    pending: set[asyncio.Task[int]] = set()
    events = 0
    try:
        for n in range(first, first + count):
            vehicle_id, new, state = vehicle_events(plan, n)
            events += len(new)
            if len(pending) >= IN_FLIGHT:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
            pending.add(asyncio.create_task(store.append(vehicle_id, None, new, state, METADATA)))
        await asyncio.gather(*pending)
    finally:
        for task in pending:
            task.cancel()
        await pool.close()
    return SeedResult(count, events, time.perf_counter() - started)


async def count_events(dsn: str) -> int:
    conn = await asyncpg.connect(dsn)
    try:
        return int(await conn.fetchval("SELECT count(*) FROM events"))
    finally:
        await conn.close()
