"""Read models `analytics_vehicle_hours/_days`, `analytics_fleet_hours`, `analytics_vehicles`:
booked, driven and in-service seconds per bucket (docs/analytics.md).

In service = registered, not retired, status neither `maintenance` nor `inactive`. An
in-service interval is written to the buckets when it closes (status change, retirement);
the open one stays in `analytics_vehicles.in_service_since` and is added at read time.
Driven time is written when a trip ends; a running trip is added at read time.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from query_service.projections.base import Change, Handler
from query_service.projections.spans import add_span, slice_of
from shared import events as ev

BOOKED, DRIVEN, UP = (1, 0, 0), (0, 1, 0), (0, 0, 1)
UNBOOKED = (-1, 0, 0)
DOWN_STATUSES = ("maintenance", "inactive")

_CLOSE_SERVICE = """
WITH old AS (SELECT in_service_since FROM analytics_vehicles WHERE vehicle_id = $1 FOR UPDATE)
UPDATE analytics_vehicles v
SET in_service_since = NULL, retired_at = coalesce($2::timestamptz, retired_at)
FROM old WHERE v.vehicle_id = $1 RETURNING old.in_service_since
"""


async def _registered(conn: asyncpg.Connection, e: ev.VehicleRegistered) -> list[Change]:
    await conn.execute(
        "INSERT INTO analytics_vehicles (vehicle_id, slice, registered_at, in_service_since)"
        " VALUES ($1, $2, $3, $3)",
        e.vehicle_id, slice_of(e.vehicle_id), e.occurred_at,
    )  # fmt: skip
    return []


async def _close_service(
    conn: asyncpg.Connection, vehicle_id: UUID, at: datetime, retired: bool = False
) -> None:
    """End the open in-service interval at `at` and write it to the buckets."""
    since = await conn.fetchval(_CLOSE_SERVICE, vehicle_id, at if retired else None)
    if since is not None:
        await add_span(conn, vehicle_id, (since, at), UP)


async def _status_changed(conn: asyncpg.Connection, e: ev.VehicleStatusChanged) -> list[Change]:
    if e.to_status in DOWN_STATUSES:
        await _close_service(conn, e.vehicle_id, e.occurred_at)
    else:
        await conn.execute(
            "UPDATE analytics_vehicles SET in_service_since = $2"
            " WHERE vehicle_id = $1 AND in_service_since IS NULL AND retired_at IS NULL",
            e.vehicle_id, e.occurred_at,
        )  # fmt: skip
    return []


async def _retired(conn: asyncpg.Connection, e: ev.VehicleRetired) -> list[Change]:
    await _close_service(conn, e.vehicle_id, e.occurred_at, retired=True)
    return []


async def _booking_confirmed(conn: asyncpg.Connection, e: ev.BookingConfirmed) -> list[Change]:
    await add_span(conn, e.vehicle_id, (e.start, e.end), BOOKED)
    return []


async def _booking_cancelled(conn: asyncpg.Connection, e: ev.BookingCancelled) -> list[Change]:
    row = await conn.fetchrow(
        "SELECT start_at, end_at FROM bookings WHERE booking_id = $1", e.booking_id
    )
    if row is not None:
        await add_span(conn, e.vehicle_id, (row["start_at"], row["end_at"]), UNBOOKED)
    return []


async def _trip_started(conn: asyncpg.Connection, e: ev.TripStarted) -> list[Change]:
    await conn.execute(
        "UPDATE analytics_vehicles SET trip_id = $2, trip_started_at = $3 WHERE vehicle_id = $1",
        e.vehicle_id, e.trip_id, e.occurred_at,
    )  # fmt: skip
    return []


async def _trip_ended(conn: asyncpg.Connection, e: ev.TripEnded) -> list[Change]:
    started = await conn.fetchval(
        "WITH old AS (SELECT trip_started_at FROM analytics_vehicles"
        " WHERE vehicle_id = $1 AND trip_id = $2 FOR UPDATE)"
        " UPDATE analytics_vehicles v SET trip_id = NULL, trip_started_at = NULL FROM old"
        " WHERE v.vehicle_id = $1 RETURNING old.trip_started_at",
        e.vehicle_id, e.trip_id,
    )  # fmt: skip
    if started is not None:
        await add_span(conn, e.vehicle_id, (started, e.occurred_at), DRIVEN)
    return []


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.VehicleRegistered: _registered,
    ev.VehicleStatusChanged: _status_changed,
    ev.VehicleRetired: _retired,
    ev.BookingConfirmed: _booking_confirmed,
    ev.BookingCancelled: _booking_cancelled,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
}
