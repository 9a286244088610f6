"""Queries on the `vehicles` read model, and the `health` view computed at read time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.sql import Filters, after_key, fetch_page
from query_service.read_models.service_health import SERVICE_INTERVAL_DAYS, SERVICE_INTERVAL_KM

KIND = "vehicles"
ORDER = ("vehicle_id",)
_SELECT = (
    "SELECT vehicle_id, vin, plate, make, model, year, seats, hourly_rate_cents,"
    " daily_rate_cents, currency, home_lat, home_lon, location_id, status, retired, retired_at,"
    " odometer_km,"
    " km_at_last_service, last_service_at, current_booking_id, current_trip_id, version,"
    " registered_at, updated_at FROM vehicles"
)


def health(row: asyncpg.Record, now: datetime) -> dict[str, Any]:
    """Service counters of a vehicle row at `now`."""
    km = row["odometer_km"] - row["km_at_last_service"]
    days = max(0, (now - row["last_service_at"]).days)
    return {
        "km_since_service": km,
        "days_since_service": days,
        "service_due": km >= SERVICE_INTERVAL_KM or days >= SERVICE_INTERVAL_DAYS,
        "service_interval_km": SERVICE_INTERVAL_KM,
        "service_interval_days": SERVICE_INTERVAL_DAYS,
    }


def vehicle_item(row: asyncpg.Record, now: datetime) -> dict[str, Any]:
    item = dict(row)
    lat, lon = item.pop("home_lat"), item.pop("home_lon")
    item["home"] = None if lat is None else {"lat": lat, "lon": lon}
    item["health"] = health(row, now)
    return item


def sort_key(row: asyncpg.Record) -> tuple[UUID]:
    return (row["vehicle_id"],)


async def get_vehicle(pool: asyncpg.Pool, vehicle_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(f"{_SELECT} WHERE vehicle_id = $1", vehicle_id)
    return row


async def vehicle_exists(pool: asyncpg.Pool, vehicle_id: UUID) -> bool:
    found = await pool.fetchval("SELECT 1 FROM vehicles WHERE vehicle_id = $1", vehicle_id)
    return found is not None


async def list_vehicles(
    pool: asyncpg.Pool,
    *,
    status: str | None,
    make: str | None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Vehicles with the given status and make (case-insensitive), by id."""
    filters = Filters()
    filters.add_if(status, "status = {}")
    filters.add_if(make, "lower(make) = lower({})")
    after_key(filters, ORDER, after)
    return await fetch_page(pool, _SELECT, filters, ORDER, limit)
