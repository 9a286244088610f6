"""Queries on the `trips` read model."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import after_key, fetch_one, fetch_page, scoped

KIND = "trips"
ORDER = ("started_at", "trip_id")
_SELECT = (
    "SELECT trip_id, vehicle_id, booking_id, customer_id, status, started_at, ended_at,"
    " start_odometer_km, end_odometer_km, distance_km, duration_s FROM trips"
)


def trip_item(row: asyncpg.Record) -> dict[str, Any]:
    return dict(row)


def sort_key(row: asyncpg.Record) -> tuple[datetime, UUID]:
    return row["started_at"], row["trip_id"]


async def get_trip(db: Reader, trip_id: UUID) -> asyncpg.Record | None:
    return await fetch_one(db, _SELECT, "trip_id", trip_id)


async def list_trips(
    db: Reader,
    *,
    vehicle_id: UUID | None,
    customer_id: UUID | None,
    status: str | None,
    window: tuple[datetime | None, datetime | None],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Trips matching every filter whose [started_at, ended_at) overlaps [from, to)."""
    filters = scoped(db)
    filters.add_if(vehicle_id, "vehicle_id = {}")
    filters.add_if(customer_id, "customer_id = {}")
    filters.add_if(status, "status = {}")
    start_from, end_to = window
    filters.add_if(start_from, "(ended_at IS NULL OR ended_at > {})")
    filters.add_if(end_to, "started_at < {}")
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)
