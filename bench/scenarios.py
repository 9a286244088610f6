"""Scenarios (a) distinct vehicles and (b) hot vehicles: request factories and checks."""

from __future__ import annotations

import asyncio
import itertools
import random
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson

from bench.loadgen import HttpConnection, LoadResult, WindowHook, run_load
from bench.stack import HOST, Service
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID

HOUR = timedelta(hours=1)
SLOT = timedelta(hours=2)  # scenario (b)'s shared grid
# The scenarios' shapes (bench.commands' defaults, bench.profile_booking's load): (a) has
# DISTINCT_CLIENTS clients with VEHICLES_PER_CLIENT vehicles each; (b) has HOT_CLIENTS
# clients on HOT_VEHICLES vehicles over a grid of HOT_GRID_DAYS days of slots.
DISTINCT_CLIENTS, VEHICLES_PER_CLIENT = 32, 8
HOT_CLIENTS, HOT_VEHICLES, HOT_GRID_DAYS = 64, 4, 14
MAX_REQUESTS = 200_000  # per measuring window: bounded in count as well as in time
_serial = itertools.count(1)


def vehicle_body() -> bytes:
    """A valid registration with a VIN and plate unique within this process."""
    n = next(_serial)
    return orjson.dumps(
        {
            "vin": f"BENCH{n:012d}",
            "plate": f"BN-{n:06d}",
            "make": "Skoda",
            "model": "Octavia",
            "year": 2024,
            "seats": 5,
            "hourly_rate_cents": 1500,
            "daily_rate_cents": 7000,
            "currency": "EUR",
            "odometer_km": 1000,
        }
    )


async def register_vehicles(service: Service, count: int, parallel: int = 8) -> list[str]:
    """Register `count` vehicles over HTTP; their ids in order."""
    ids: list[str] = [""] * count
    todo = iter(range(count))

    async def worker() -> None:
        conn = HttpConnection(HOST, service.port)
        try:
            for index in todo:
                status, body = await conn.request("POST", "/v1/vehicles", vehicle_body())
                if status != 201:
                    raise RuntimeError(f"registration answered {status}: {body[:300]!r}")
                ids[index] = orjson.loads(body)["vehicle_id"]
        finally:
            await conn.close()

    await asyncio.gather(*(worker() for _ in range(min(parallel, count))))
    return ids


def first_slot(days_ahead: int = 1) -> datetime:
    """The next full hour, `days_ahead` days from now (UTC)."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    return now + timedelta(days=days_ahead, hours=1)


def booking_body(vehicle_id: str, start: datetime, end: datetime, customer: str) -> bytes:
    return orjson.dumps(
        {
            "vehicle_id": vehicle_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "customer_id": customer,
        }
    )


class DistinctVehicles:
    """(a): every client books consecutive 1-hour windows on its own vehicles, round robin."""

    def __init__(self, vehicles: list[str], clients: int) -> None:
        per_client = len(vehicles) // clients
        self.vehicles = [vehicles[i * per_client : (i + 1) * per_client] for i in range(clients)]
        self.customers = [str(uuid.uuid4()) for _ in range(clients)]
        self.sent = [0] * clients
        self.base = first_slot()

    def __call__(self, client: int) -> tuple[str, str, bytes]:
        own = self.vehicles[client]
        n = self.sent[client]
        self.sent[client] = n + 1
        start = self.base + (n // len(own)) * HOUR
        body = booking_body(own[n % len(own)], start, start + HOUR, self.customers[client])
        return "POST", "/v1/bookings", body


class HotVehicles:
    """(b): every request picks a random hot vehicle and a random 2-hour slot of the grid."""

    def __init__(self, vehicles: list[str], slots: int, seed: int) -> None:
        self.vehicles = vehicles
        self.slots = slots
        self.rng = random.Random(seed)
        self.base = first_slot()
        self.customer = str(uuid.uuid4())
        self.customers = [self.customer]

    def __call__(self, client: int) -> tuple[str, str, bytes]:
        start = self.base + self.rng.randrange(self.slots) * SLOT
        vehicle = self.rng.choice(self.vehicles)
        return "POST", "/v1/bookings", booking_body(vehicle, start, start + SLOT, self.customer)


@dataclass
class ScenarioConfig:
    clients: int
    vehicles: int
    warmup_s: float
    duration_s: float
    grid_slots: int = 0  # (b) only


async def add_customers(dsn: str, customers: list[str]) -> None:
    """Accounts for the customers the admin books for (staff book only for accounts of
    their own organization: the bench's admin is `default`'s)."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.executemany(
            "INSERT INTO users (user_id, email, name, password_hash, role, organization_id)"
            " VALUES ($1, $2, 'Bench customer', '!', 'customer', $3) ON CONFLICT DO NOTHING",
            [(uuid.UUID(c), f"{c}@bench.example", DEFAULT_ORGANIZATION_ID) for c in customers],
        )
    finally:
        await conn.close()


async def distinct_vehicles(service: Service, cfg: ScenarioConfig, hook: WindowHook) -> LoadResult:
    """Scenario (a) on fresh vehicles: every booking should be a 201."""
    vehicles = await register_vehicles(service, cfg.vehicles)
    factory = DistinctVehicles(vehicles, cfg.clients)
    await add_customers(service.dsn, factory.customers)
    return await run_load(
        HOST, service.port, cfg.clients, factory, cfg.warmup_s, cfg.duration_s, MAX_REQUESTS, hook
    )


@dataclass
class RaceCheck:
    """What the event store says after scenario (b)."""

    confirmed: int
    overlapping_pairs: int
    version_conflicts: int = 0  # appends that lost the optimistic check (service metric)


async def version_conflicts(service: Service) -> int:
    """fleet_command_version_conflicts_total so far, summed over commands (and workers)."""
    conn = HttpConnection(HOST, service.port)
    try:
        status, body = await conn.request("GET", "/metrics")
    finally:
        await conn.close()
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    prefix = b"fleet_command_version_conflicts_total{"
    return sum(int(float(line.rsplit(b" ", 1)[1]))
               for line in body.splitlines() if line.startswith(prefix))  # fmt: skip


async def hot_vehicles(
    service: Service, cfg: ScenarioConfig, hook: WindowHook, seed: int
) -> tuple[LoadResult, RaceCheck]:
    """Scenario (b) on fresh hot vehicles, then the overlap check over the event store."""
    vehicles = await register_vehicles(service, cfg.vehicles)
    factory = HotVehicles(vehicles, cfg.grid_slots, seed)
    await add_customers(service.dsn, factory.customers)
    conflicts_before = await version_conflicts(service)
    result = await run_load(
        HOST, service.port, cfg.clients, factory, cfg.warmup_s, cfg.duration_s, MAX_REQUESTS, hook
    )
    check = await check_no_overlap(service.dsn, vehicles)
    check.version_conflicts = await version_conflicts(service) - conflicts_before
    return result, check


# Live bookings: BookingConfirmed without a later BookingCancelled of the same booking_id.
_LIVE_BOOKINGS = """
WITH live AS (
    SELECT c.stream_id, c.data->>'booking_id' AS booking_id,
           (c.data->>'start')::timestamptz AS starts, (c.data->>'end')::timestamptz AS ends
    FROM events c
    WHERE c.event_type = 'BookingConfirmed' AND c.stream_id = ANY($1::uuid[])
      AND NOT EXISTS (
          SELECT 1 FROM events x
          WHERE x.stream_id = c.stream_id AND x.event_type = 'BookingCancelled'
            AND x.version > c.version AND x.data->>'booking_id' = c.data->>'booking_id')
)
"""
_COUNT_LIVE = _LIVE_BOOKINGS + "SELECT count(*) FROM live"
_COUNT_OVERLAPS = (
    _LIVE_BOOKINGS
    + """
SELECT count(*) FROM live a JOIN live b
  ON a.stream_id = b.stream_id AND a.booking_id < b.booking_id
 AND a.starts < b.ends AND b.starts < a.ends
"""
)


async def check_no_overlap(dsn: str, vehicles: list[str]) -> RaceCheck:
    """Count live bookings and overlapping pairs of them per vehicle, in SQL."""
    ids = [uuid.UUID(v) for v in vehicles]
    conn = await asyncpg.connect(dsn)
    try:
        confirmed = await conn.fetchval(_COUNT_LIVE, ids)
        overlaps = await conn.fetchval(_COUNT_OVERLAPS, ids)
    finally:
        await conn.close()
    return RaceCheck(int(confirmed), int(overlaps))
