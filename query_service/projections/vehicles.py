"""Read model `vehicles`: registration fields, status, odometer and service counters."""

from __future__ import annotations

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev


def _changed(event: ev.Event) -> list[Change]:
    return [Change("vehicle", event.vehicle_id)]


async def _registered(conn: asyncpg.Connection, e: ev.VehicleRegistered) -> list[Change]:
    await conn.execute(
        "INSERT INTO vehicles (vehicle_id, vin, plate, make, model, year, seats,"
        " hourly_rate_cents, daily_rate_cents, currency, home_lat, home_lon, status, retired,"
        " odometer_km, km_at_last_service, last_service_at, version, registered_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'available', false,"
        " $13, $13, $14, $15, $14, $14)",
        e.vehicle_id, e.vin, e.plate, e.make, e.model, e.year, e.seats,
        e.hourly_rate_cents, e.daily_rate_cents, e.currency,
        e.home.lat if e.home else None, e.home.lon if e.home else None,
        e.odometer_km, e.occurred_at, e.version,
    )  # fmt: skip
    return _changed(e)


async def _details_updated(conn: asyncpg.Connection, e: ev.VehicleDetailsUpdated) -> list[Change]:
    await conn.execute(
        "UPDATE vehicles SET plate = coalesce($2, plate), make = coalesce($3, make),"
        " model = coalesce($4, model), seats = coalesce($5, seats),"
        " hourly_rate_cents = coalesce($6, hourly_rate_cents),"
        " daily_rate_cents = coalesce($7, daily_rate_cents),"
        " currency = coalesce($8, currency), home_lat = coalesce($9, home_lat),"
        " home_lon = coalesce($10, home_lon), version = $11, updated_at = $12"
        " WHERE vehicle_id = $1",
        e.vehicle_id, e.plate, e.make, e.model, e.seats, e.hourly_rate_cents,
        e.daily_rate_cents, e.currency, e.home.lat if e.home else None,
        e.home.lon if e.home else None, e.version, e.occurred_at,
    )  # fmt: skip
    return _changed(e)


async def _status_changed(conn: asyncpg.Connection, e: ev.VehicleStatusChanged) -> list[Change]:
    await conn.execute(
        "UPDATE vehicles SET status = $2, version = $3, updated_at = $4 WHERE vehicle_id = $1",
        e.vehicle_id, e.to_status, e.version, e.occurred_at,
    )  # fmt: skip
    return _changed(e)


async def _retired(conn: asyncpg.Connection, e: ev.VehicleRetired) -> list[Change]:
    await conn.execute(
        "UPDATE vehicles SET status = 'retired', retired = true, retired_at = $2,"
        " version = $3, updated_at = $2 WHERE vehicle_id = $1",
        e.vehicle_id, e.occurred_at, e.version,
    )  # fmt: skip
    return _changed(e)


async def _trip_started(conn: asyncpg.Connection, e: ev.TripStarted) -> list[Change]:
    await conn.execute(
        "UPDATE vehicles SET status = 'in_use', current_trip_id = $2, current_booking_id = $3,"
        " odometer_km = $4, version = $5, updated_at = $6 WHERE vehicle_id = $1",
        e.vehicle_id, e.trip_id, e.booking_id, e.odometer_km, e.version, e.occurred_at,
    )  # fmt: skip
    return _changed(e)


async def _trip_ended(conn: asyncpg.Connection, e: ev.TripEnded) -> list[Change]:
    # An operator may have moved the vehicle to maintenance during the trip: it stays there.
    await conn.execute(
        "UPDATE vehicles SET"
        " status = CASE WHEN status = 'in_use' THEN 'available' ELSE status END,"
        " current_trip_id = NULL, current_booking_id = NULL, odometer_km = $2,"
        " version = $3, updated_at = $4 WHERE vehicle_id = $1",
        e.vehicle_id, e.odometer_km, e.version, e.occurred_at,
    )  # fmt: skip
    return _changed(e)


async def _maintenance_completed(
    conn: asyncpg.Connection, e: ev.MaintenanceCompleted
) -> list[Change]:
    await conn.execute(
        "UPDATE vehicles SET odometer_km = $2, km_at_last_service = $2, last_service_at = $3,"
        " version = $4, updated_at = $3 WHERE vehicle_id = $1",
        e.vehicle_id, e.odometer_km, e.occurred_at, e.version,
    )  # fmt: skip
    return _changed(e)


async def _touched(conn: asyncpg.Connection, e: ev.Event) -> list[Change]:
    """Events that change no vehicle field still advance its projected version."""
    await conn.execute(
        "UPDATE vehicles SET version = $2, updated_at = $3 WHERE vehicle_id = $1",
        e.vehicle_id, e.version, e.occurred_at,
    )  # fmt: skip
    return []


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.VehicleRegistered: _registered,
    ev.VehicleDetailsUpdated: _details_updated,
    ev.VehicleStatusChanged: _status_changed,
    ev.VehicleRetired: _retired,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
    ev.MaintenanceCompleted: _maintenance_completed,
}
HANDLERS.update({t: _touched for t in ev.EVENT_TYPES.values() if t not in HANDLERS})
