"""Read models `analytics_fleet_bookings` and `analytics_vehicle_bookings`: booking counts,
lead time, duration and revenue by the UTC hour the booking's window starts.

Cancellations, completions and trips count against the booking's start hour too, so one
cohort of bookings keeps all its figures in one bucket (docs/analytics.md). Revenue is the
booked price minus refunds.
"""

from __future__ import annotations

import asyncpg

from query_service.projections.base import Change, Handler
from query_service.projections.spans import HOUR, floor_to, slice_of
from shared import events as ev

# The booking's start hour, slice and currency, read from the `bookings` read model of the
# same vehicle (its window and currency never change after BookingConfirmed).
_COHORT = (
    "SELECT to_timestamp(floor(extract(epoch FROM start_at) / 3600) * 3600) AS hour,"
    " currency FROM bookings WHERE booking_id = $1"
)
_FLEET_ADD = """
INSERT INTO analytics_fleet_bookings AS t (hour, slice, currency, bookings, cancelled,
    completed, trips, lead_s, duration_s, booked_cents, refunded_cents)
SELECT hour, $2, currency, $3, $4, $5, $6, $7, $8, $9, $10 FROM cohort
ON CONFLICT (hour, slice, currency) DO UPDATE SET bookings = t.bookings + EXCLUDED.bookings,
    cancelled = t.cancelled + EXCLUDED.cancelled, completed = t.completed + EXCLUDED.completed,
    trips = t.trips + EXCLUDED.trips, lead_s = t.lead_s + EXCLUDED.lead_s,
    duration_s = t.duration_s + EXCLUDED.duration_s,
    booked_cents = t.booked_cents + EXCLUDED.booked_cents,
    refunded_cents = t.refunded_cents + EXCLUDED.refunded_cents
"""
_VEHICLE_ADD = """
INSERT INTO analytics_vehicle_bookings AS t (vehicle_id, hour, currency, bookings, cancelled,
    booked_cents, refunded_cents)
SELECT $11, hour, currency, $3, $4, $9, $10 FROM cohort
ON CONFLICT (vehicle_id, hour, currency) DO UPDATE SET bookings = t.bookings + EXCLUDED.bookings,
    cancelled = t.cancelled + EXCLUDED.cancelled,
    booked_cents = t.booked_cents + EXCLUDED.booked_cents,
    refunded_cents = t.refunded_cents + EXCLUDED.refunded_cents
"""
# $1 booking_id; $2 slice; $3..$10 the deltas; $11 vehicle_id (only when revenue moves).
_ADD_FROM_BOOKING = f"WITH cohort AS ({_COHORT}), f AS ({_FLEET_ADD}) {_VEHICLE_ADD}"
_ADD_FLEET_ONLY = (
    f"WITH cohort AS ({_COHORT}) {_FLEET_ADD.replace('$7, $8, $9, $10', '0, 0, 0, 0')}"
)
_CONFIRMED = (
    "WITH cohort AS (SELECT $1::timestamptz AS hour, $12::text AS currency),"
    f" f AS ({_FLEET_ADD}) {_VEHICLE_ADD}"
)


async def _confirmed(conn: asyncpg.Connection, e: ev.BookingConfirmed) -> list[Change]:
    lead = int((e.start - e.occurred_at).total_seconds())
    duration = int((e.end - e.start).total_seconds())
    await conn.execute(
        _CONFIRMED, floor_to(e.start, HOUR), slice_of(e.vehicle_id), 1, 0, 0, 0, lead, duration,
        e.price_cents, 0, e.vehicle_id, e.currency,
    )  # fmt: skip
    return []


async def _cancelled(conn: asyncpg.Connection, e: ev.BookingCancelled) -> list[Change]:
    await conn.execute(
        _ADD_FROM_BOOKING, e.booking_id, slice_of(e.vehicle_id), 0, 1, 0, 0, 0, 0, 0,
        e.refund_cents, e.vehicle_id,
    )  # fmt: skip
    return []


async def _completed(conn: asyncpg.Connection, e: ev.BookingCompleted) -> list[Change]:
    await conn.execute(_ADD_FLEET_ONLY, e.booking_id, slice_of(e.vehicle_id), 0, 0, 1, 0)
    return []


async def _trip_started(conn: asyncpg.Connection, e: ev.TripStarted) -> list[Change]:
    await conn.execute(_ADD_FLEET_ONLY, e.booking_id, slice_of(e.vehicle_id), 0, 0, 0, 1)
    return []


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.BookingConfirmed: _confirmed,
    ev.BookingCancelled: _cancelled,
    ev.BookingCompleted: _completed,
    ev.TripStarted: _trip_started,
}
