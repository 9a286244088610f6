"""BENCHMARK BASELINE — what the reference's two stores share: bodies, schema, answers."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import NamedTuple, Protocol

import asyncpg
from pydantic import AwareDatetime, BaseModel

SCHEMA = """
CREATE TABLE IF NOT EXISTS vehicles (
    id uuid PRIMARY KEY, vin text UNIQUE NOT NULL, plate text UNIQUE NOT NULL,
    make text NOT NULL, model text NOT NULL, year int NOT NULL, seats int NOT NULL,
    hourly_rate_cents int NOT NULL, daily_rate_cents int NOT NULL, currency text NOT NULL,
    odometer_km int NOT NULL
);
CREATE TABLE IF NOT EXISTS bookings (
    id uuid PRIMARY KEY, vehicle_id uuid NOT NULL REFERENCES vehicles,
    customer_id uuid NOT NULL, start timestamptz NOT NULL, "end" timestamptz NOT NULL,
    price_cents int NOT NULL, status text NOT NULL DEFAULT 'confirmed'
);
CREATE INDEX IF NOT EXISTS bookings_vehicle_start ON bookings (vehicle_id, start);
"""
POOL_SIZE = 16  # connections per worker, as Fleetledger's command service
OVERLAP_HORIZON_DAYS = 30  # no booking is longer: older ones cannot overlap


class NewVehicle(BaseModel):
    vin: str
    plate: str
    make: str
    model: str
    year: int
    seats: int
    hourly_rate_cents: int
    daily_rate_cents: int
    currency: str
    odometer_km: int


class NewBooking(BaseModel):
    vehicle_id: uuid.UUID
    customer_id: uuid.UUID
    start: AwareDatetime
    end: AwareDatetime


class Free(NamedTuple):
    """A vehicle free over the asked window."""

    id: uuid.UUID
    make: str
    model: str
    seats: int
    hourly_rate_cents: int
    daily_rate_cents: int
    currency: str


class Taken(enum.Enum):
    """Why a booking was not made."""

    NO_VEHICLE = "no_vehicle"
    OVERLAP = "overlap"


class Store(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...
    async def ready(self) -> None: ...
    async def register(self, vehicle_id: uuid.UUID, body: NewVehicle) -> bool: ...

    async def book(self, booking_id: uuid.UUID, body: NewBooking) -> tuple[int, str] | Taken:
        """(price in cents, currency) of the booking made, or why it was not."""

    async def free(self, start: datetime, end: datetime, limit: int) -> list[Free]: ...


async def create_schema(dsn: str) -> None:
    """The tables, created once whichever of the two workers starts first."""
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_advisory_lock(42)")
        await conn.execute(SCHEMA)
        await conn.execute("SELECT pg_advisory_unlock(42)")
    finally:
        await conn.close()
