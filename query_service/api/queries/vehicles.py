"""Queries on the `vehicles` read model, and the `health` view computed at read time."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import after_key, fetch_one, fetch_page, scoped
from query_service.read_models.service_health import SERVICE_INTERVAL_DAYS, SERVICE_INTERVAL_KM

KIND = "vehicles"
ORDER = ("vehicle_id",)
_SELECT = (
    "SELECT vehicle_id, vin, plate, make, model, year, seats, hourly_rate_cents,"
    " daily_rate_cents, currency, home_lat, home_lon, location_id, status, retired, retired_at,"
    " odometer_km,"
    " km_at_last_service, last_service_at, current_booking_id, current_trip_id, version,"
    " registered_at, updated_at, location_id FROM vehicles"
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


async def get_vehicle(db: Reader, vehicle_id: UUID) -> asyncpg.Record | None:
    return await fetch_one(db, _SELECT, "vehicle_id", vehicle_id)


async def vehicle_exists(db: Reader, vehicle_id: UUID) -> bool:
    return await fetch_one(db, "SELECT 1 FROM vehicles", "vehicle_id", vehicle_id) is not None


async def list_vehicles(
    db: Reader,
    *,
    status: str | None,
    make: str | None,
    location_id: UUID | None = None,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Vehicles with the given status, make (case-insensitive) and location, by id."""
    filters = scoped(db)
    filters.add_if(status, "status = {}")
    filters.add_if(make, "make_key = lower({})")
    filters.add_if(location_id, "location_id = {}")
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)
