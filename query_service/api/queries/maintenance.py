"""Queries on the `maintenance` read model."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import after_key, fetch_one, fetch_page, scoped

KIND = "maintenance"
ORDER = ("start_at", "maintenance_id")
# DESIGN: no maintenance window is longer, so an overlap filter can bound its index range.
MAX_MAINTENANCE_LENGTH = timedelta(days=90)
_SELECT = (
    "SELECT maintenance_id, vehicle_id, start_at, end_at, reason, status, completed_at,"
    " odometer_km, scheduled_at FROM maintenance"
)


def maintenance_item(row: asyncpg.Record) -> dict[str, Any]:
    item = dict(row)
    item["start"], item["end"] = item.pop("start_at"), item.pop("end_at")
    return item


def sort_key(row: asyncpg.Record) -> tuple[datetime, UUID]:
    return row["start_at"], row["maintenance_id"]


async def get_maintenance(db: Reader, maintenance_id: UUID) -> asyncpg.Record | None:
    return await fetch_one(db, _SELECT, "maintenance_id", maintenance_id)


async def list_maintenance(
    db: Reader,
    *,
    vehicle_id: UUID | None,
    status: str | None,
    window: tuple[datetime | None, datetime | None],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Maintenance windows matching every filter and overlapping [from, to), by (start, id)."""
    filters = scoped(db)
    filters.add_if(vehicle_id, "vehicle_id = {}")
    filters.add_if(status, "status = {}")
    start_from, end_to = window
    if start_from is not None:
        filters.add(
            "end_at > {} AND start_at > {}", start_from, start_from - MAX_MAINTENANCE_LENGTH
        )
    filters.add_if(end_to, "start_at < {}")
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)
