"""BENCHMARK BASELINE — the reference's store on asyncpg and hand-written SQL: the leanest
a row-lock service gets (one prepared statement per step, no ORM)."""

from __future__ import annotations

import uuid
from datetime import datetime

import asyncpg

from bench.crud_reference.store import (
    OVERLAP_HORIZON_DAYS,
    POOL_SIZE,
    Free,
    NewBooking,
    NewVehicle,
    Taken,
    create_schema,
)
from shared.contract.pricing import price_cents

_OVERLAP = f"""
SELECT id FROM bookings WHERE vehicle_id = $1 AND status = 'confirmed'
  AND start < $3 AND "end" > $2 AND start > $2 - interval '{OVERLAP_HORIZON_DAYS} days' LIMIT 1
"""
_FREE = f"""
SELECT v.id, v.make, v.model, v.seats, v.hourly_rate_cents, v.daily_rate_cents, v.currency
FROM vehicles v WHERE NOT EXISTS (
    SELECT 1 FROM bookings b WHERE b.vehicle_id = v.id AND b.status = 'confirmed'
      AND b.start < $2 AND b."end" > $1 AND b.start > $1 - interval '{OVERLAP_HORIZON_DAYS} days')
ORDER BY v.id LIMIT $3
"""


class SqlStore:
    def __init__(self, dsn: str) -> None:
        self._dsn = dsn
        self._pool: asyncpg.Pool | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        assert self._pool is not None
        return self._pool

    async def start(self) -> None:
        await create_schema(self._dsn)
        self._pool = await asyncpg.create_pool(self._dsn, min_size=2, max_size=POOL_SIZE)

    async def close(self) -> None:
        await self.pool.close()

    async def ready(self) -> None:
        await self.pool.fetchval("SELECT 1")

    async def register(self, vehicle_id: uuid.UUID, body: NewVehicle) -> bool:
        try:
            await self.pool.execute(
                "INSERT INTO vehicles VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
                vehicle_id, body.vin, body.plate, body.make, body.model, body.year, body.seats,
                body.hourly_rate_cents, body.daily_rate_cents, body.currency, body.odometer_km,
            )  # fmt: skip
        except asyncpg.UniqueViolationError:
            return False
        return True

    async def book(self, booking_id: uuid.UUID, body: NewBooking) -> tuple[int, str] | Taken:
        async with self.pool.acquire() as conn, conn.transaction():
            vehicle = await conn.fetchrow(
                "SELECT hourly_rate_cents, daily_rate_cents, currency FROM vehicles"
                " WHERE id = $1 FOR UPDATE",
                body.vehicle_id,
            )
            if vehicle is None:
                return Taken.NO_VEHICLE
            if await conn.fetchval(_OVERLAP, body.vehicle_id, body.start, body.end) is not None:
                return Taken.OVERLAP
            price = price_cents(body.start, body.end, vehicle[0], vehicle[1])
            await conn.execute(
                'INSERT INTO bookings (id, vehicle_id, customer_id, start, "end", price_cents)'
                " VALUES ($1, $2, $3, $4, $5, $6)",
                booking_id, body.vehicle_id, body.customer_id, body.start, body.end, price,
            )  # fmt: skip
        return price, vehicle[2]

    async def free(self, start: datetime, end: datetime, limit: int) -> list[Free]:
        return [Free(*row) for row in await self.pool.fetch(_FREE, start, end, limit)]
