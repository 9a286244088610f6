"""Read model `bookings`: every booking with its price, status and refund."""

from __future__ import annotations

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev


async def _confirmed(conn: asyncpg.Connection, e: ev.BookingConfirmed) -> list[Change]:
    await conn.execute(
        "INSERT INTO bookings (booking_id, vehicle_id, customer_id, hold_id, start_at, end_at,"
        " price_cents, currency, purpose, status, confirmed_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, 'confirmed', $10, $10)",
        e.booking_id, e.vehicle_id, e.customer_id, e.hold_id, e.start, e.end,
        e.price_cents, e.currency, e.purpose, e.occurred_at,
    )  # fmt: skip
    return [Change("booking", e.booking_id)]


async def _cancelled(conn: asyncpg.Connection, e: ev.BookingCancelled) -> list[Change]:
    await conn.execute(
        "UPDATE bookings SET status = 'cancelled', cancelled_at = $2, cancel_reason = $3,"
        " refund_cents = $4, refund_percent = $5, updated_at = $2 WHERE booking_id = $1",
        e.booking_id, e.occurred_at, e.reason, e.refund_cents, e.refund_percent,
    )  # fmt: skip
    return [Change("booking", e.booking_id)]


async def _completed(conn: asyncpg.Connection, e: ev.BookingCompleted) -> list[Change]:
    await conn.execute(
        "UPDATE bookings SET status = 'completed', completed_at = $2, trip_id = $3,"
        " updated_at = $2 WHERE booking_id = $1",
        e.booking_id, e.occurred_at, e.trip_id,
    )  # fmt: skip
    return [Change("booking", e.booking_id)]


async def _trip_started(conn: asyncpg.Connection, e: ev.TripStarted) -> list[Change]:
    await conn.execute(
        "UPDATE bookings SET trip_id = $2, updated_at = $3 WHERE booking_id = $1",
        e.booking_id, e.trip_id, e.occurred_at,
    )  # fmt: skip
    return [Change("booking", e.booking_id)]


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.BookingConfirmed: _confirmed,
    ev.BookingCancelled: _cancelled,
    ev.BookingCompleted: _completed,
    ev.TripStarted: _trip_started,
}
