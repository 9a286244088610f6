"""BENCHMARK BASELINE — not part of Fleetledger: the row-lock CRUD reference service.

Serves the three requests the side-by-side scenarios send, on Fleetledger's paths and
bodies: POST /v1/vehicles, POST /v1/bookings (201 or 409 on overlap), GET
/v1/availability (first page of free vehicles). It ignores the Authorization header.
Started with `uvicorn --factory bench.crud_reference.app:create_app`; the database is
`CRUD_DATABASE_URL` (tables created at start).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any

import asyncpg
from fastapi import FastAPI, Request, Response
from pydantic import AwareDatetime, BaseModel

from shared.contract.pricing import price_cents
from shared.kit.http.responses import JSON, problem

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
PAGE = 50


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


_OVERLAP = """
SELECT id FROM bookings WHERE vehicle_id = $1 AND status = 'confirmed'
  AND start < $3 AND "end" > $2 AND start > $2 - interval '30 days' LIMIT 1
"""
_FREE = """
SELECT v.id, v.make, v.model, v.seats, v.hourly_rate_cents, v.daily_rate_cents, v.currency
FROM vehicles v WHERE NOT EXISTS (
    SELECT 1 FROM bookings b WHERE b.vehicle_id = v.id AND b.status = 'confirmed'
      AND b.start < $2 AND b."end" > $1 AND b.start > $1 - interval '30 days')
ORDER BY v.id LIMIT $3
"""


@asynccontextmanager
async def _lifespan(app: FastAPI) -> AsyncIterator[None]:
    pool = await asyncpg.create_pool(os.environ["CRUD_DATABASE_URL"], min_size=2, max_size=16)
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock(42)")  # two workers start at once
        await conn.execute(SCHEMA)
        await conn.execute("SELECT pg_advisory_unlock(42)")
    app.state.pool = pool
    yield
    await pool.close()


async def readyz(request: Request) -> Response:
    await request.app.state.pool.fetchval("SELECT 1")
    return JSON({"status": "ready"})


async def register(body: NewVehicle, request: Request) -> Response:
    vehicle_id = uuid.uuid4()
    try:
        await request.app.state.pool.execute(
            "INSERT INTO vehicles VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
            vehicle_id, body.vin, body.plate, body.make, body.model, body.year, body.seats,
            body.hourly_rate_cents, body.daily_rate_cents, body.currency, body.odometer_km,
        )  # fmt: skip
    except asyncpg.UniqueViolationError:
        return problem(409, "Vehicle exists", "VIN or plate taken", "vehicle-exists")
    return JSON({"vehicle_id": str(vehicle_id)}, status_code=201)


async def book(body: NewBooking, request: Request) -> Response:
    """Lock the vehicle row, look for an overlap, insert: the classic transaction."""
    if body.end <= body.start:
        return problem(422, "Invalid window", "end must be after start", "validation")
    async with request.app.state.pool.acquire() as conn, conn.transaction():
        vehicle = await conn.fetchrow(
            "SELECT hourly_rate_cents, daily_rate_cents, currency FROM vehicles"
            " WHERE id = $1 FOR UPDATE",
            body.vehicle_id,
        )
        if vehicle is None:
            return problem(404, "Not found", "no such vehicle", "not-found")
        if await conn.fetchval(_OVERLAP, body.vehicle_id, body.start, body.end) is not None:
            return problem(409, "Overlapping block", "the window is taken", "overlapping-block")
        price = price_cents(body.start, body.end, vehicle[0], vehicle[1])
        booking_id = uuid.uuid4()
        await conn.execute(
            'INSERT INTO bookings (id, vehicle_id, customer_id, start, "end", price_cents)'
            " VALUES ($1, $2, $3, $4, $5, $6)",
            booking_id, body.vehicle_id, body.customer_id, body.start, body.end, price,
        )  # fmt: skip
    answer = {"booking_id": str(booking_id), "vehicle_id": str(body.vehicle_id),
              "start": body.start, "end": body.end, "price_cents": price,
              "currency": vehicle[2], "status": "confirmed"}  # fmt: skip
    return JSON(answer, status_code=201)


async def availability(request: Request, start: AwareDatetime, end: AwareDatetime) -> Response:
    rows = await request.app.state.pool.fetch(_FREE, start, end, PAGE)
    return JSON({"items": [_item(row, start, end) for row in rows], "next_cursor": None})


def _item(row: Any, start: datetime, end: datetime) -> dict[str, Any]:
    return {
        "vehicle_id": str(row["id"]),
        "make": row["make"],
        "model": row["model"],
        "seats": row["seats"],
        "price_cents": price_cents(start, end, row["hourly_rate_cents"], row["daily_rate_cents"]),
        "currency": row["currency"],
    }


def create_app() -> FastAPI:
    """The reference service (a uvicorn factory)."""
    app = FastAPI(title="CRUD reference (benchmark baseline)", lifespan=_lifespan)
    app.add_api_route("/readyz", readyz, methods=["GET"])
    app.add_api_route("/v1/vehicles", register, methods=["POST"])
    app.add_api_route("/v1/bookings", book, methods=["POST"])
    app.add_api_route("/v1/availability", availability, methods=["GET"])
    return app
