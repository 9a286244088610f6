"""Read model `analytics_service`: the current service cycle of each vehicle (odometer, km
and trip load since the last completed maintenance, and when the km interval ran out).

The health score and the due list are computed from it at read time (the days since
service depend on the reader's moment): query_service/api/queries/analytics_service.py.
"""

from __future__ import annotations

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev

# Service interval by distance; the same as GET /v1/vehicles' `health` (15,000 km).
SERVICE_INTERVAL_KM = 15_000
_ODOMETER = (
    "odometer_km = greatest(odometer_km, $2),"
    " km_due_at = CASE WHEN km_due_at IS NULL AND greatest(odometer_km, $2) - km_at_service"
    f" >= {SERVICE_INTERVAL_KM} THEN $3 ELSE km_due_at END"
)


async def _registered(conn: asyncpg.Connection, e: ev.VehicleRegistered) -> list[Change]:
    await conn.execute(
        "INSERT INTO analytics_service (vehicle_id, retired, odometer_km, km_at_service,"
        " last_service_at, trips_since_service, trip_seconds_since_service)"
        " VALUES ($1, false, $2, $2, $3, 0, 0)",
        e.vehicle_id, e.odometer_km, e.occurred_at,
    )  # fmt: skip
    return []


async def _trip_started(conn: asyncpg.Connection, e: ev.TripStarted) -> list[Change]:
    await conn.execute(
        f"UPDATE analytics_service SET {_ODOMETER} WHERE vehicle_id = $1",
        e.vehicle_id, e.odometer_km, e.occurred_at,
    )  # fmt: skip
    return []


async def _trip_ended(conn: asyncpg.Connection, e: ev.TripEnded) -> list[Change]:
    await conn.execute(
        f"UPDATE analytics_service SET {_ODOMETER}, trips_since_service ="
        " trips_since_service + 1, trip_seconds_since_service = trip_seconds_since_service + $4"
        " WHERE vehicle_id = $1",
        e.vehicle_id, e.odometer_km, e.occurred_at, e.duration_s,
    )  # fmt: skip
    return []


async def _maintenance_completed(
    conn: asyncpg.Connection, e: ev.MaintenanceCompleted
) -> list[Change]:
    await conn.execute(
        "UPDATE analytics_service SET odometer_km = $2, km_at_service = $2,"
        " last_service_at = $3, trips_since_service = 0, trip_seconds_since_service = 0,"
        " km_due_at = NULL WHERE vehicle_id = $1",
        e.vehicle_id, e.odometer_km, e.occurred_at,
    )  # fmt: skip
    return []


async def _retired(conn: asyncpg.Connection, e: ev.VehicleRetired) -> list[Change]:
    await conn.execute("UPDATE analytics_service SET retired = true WHERE vehicle_id = $1",
                       e.vehicle_id)  # fmt: skip
    return []


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.VehicleRegistered: _registered,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
    ev.MaintenanceCompleted: _maintenance_completed,
    ev.VehicleRetired: _retired,
}
