"""Read model `trips`: every trip, running or ended, with distance and duration."""

from __future__ import annotations

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev


async def _started(conn: asyncpg.Connection, e: ev.TripStarted) -> list[Change]:
    await conn.execute(
        "INSERT INTO trips (trip_id, vehicle_id, booking_id, customer_id, status, started_at,"
        " start_odometer_km, updated_at) VALUES ($1, $2, $3, $4, 'running', $5, $6, $5)",
        e.trip_id, e.vehicle_id, e.booking_id, e.customer_id, e.occurred_at, e.odometer_km,
    )  # fmt: skip
    return [Change("trip", e.trip_id)]


async def _ended(conn: asyncpg.Connection, e: ev.TripEnded) -> list[Change]:
    await conn.execute(
        "UPDATE trips SET status = 'ended', ended_at = $2, end_odometer_km = $3,"
        " distance_km = $4, duration_s = $5, updated_at = $2 WHERE trip_id = $1",
        e.trip_id, e.occurred_at, e.odometer_km, e.distance_km, e.duration_s,
    )  # fmt: skip
    return [Change("trip", e.trip_id)]


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.TripStarted: _started,
    ev.TripEnded: _ended,
}
