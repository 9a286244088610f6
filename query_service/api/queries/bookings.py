"""Queries on the `bookings` read model."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.sql import Filters, after_key, fetch_page

KIND = "bookings"
ORDER = ("start_at", "booking_id")
# DESIGN §2: no booking or hold is longer, so an overlap filter can bound its index range.
MAX_BOOKING_LENGTH = timedelta(days=30)
_SELECT = (
    "SELECT booking_id, vehicle_id, customer_id, hold_id, start_at, end_at, price_cents,"
    " currency, purpose, status, trip_id, confirmed_at, cancelled_at, cancel_reason,"
    " refund_cents, refund_percent, completed_at FROM bookings"
)


def booking_item(row: asyncpg.Record) -> dict[str, Any]:
    item = dict(row)
    item["start"], item["end"] = item.pop("start_at"), item.pop("end_at")
    return item


def sort_key(row: asyncpg.Record) -> tuple[datetime, UUID]:
    return row["start_at"], row["booking_id"]


async def get_booking(pool: asyncpg.Pool, booking_id: UUID) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await pool.fetchrow(f"{_SELECT} WHERE booking_id = $1", booking_id)
    return row


async def booking_under_way(
    pool: asyncpg.Pool, vehicle_id: UUID, now: datetime
) -> asyncpg.Record | None:
    """The confirmed booking of the vehicle whose window contains `now`, if any."""
    row: asyncpg.Record | None = await pool.fetchrow(
        f"{_SELECT} WHERE vehicle_id = $1 AND status = 'confirmed' AND start_at <= $2"
        " AND start_at > $3 AND end_at > $2 ORDER BY start_at DESC LIMIT 1",
        vehicle_id, now, now - MAX_BOOKING_LENGTH,
    )  # fmt: skip
    return row


async def list_bookings(
    pool: asyncpg.Pool,
    *,
    vehicle_id: UUID | None,
    customer_id: UUID | None,
    status: str | None,
    window: tuple[datetime | None, datetime | None],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Bookings matching every given filter and overlapping [from, to), by (start, id)."""
    filters = Filters()
    filters.add_if(vehicle_id, "vehicle_id = {}")
    filters.add_if(customer_id, "customer_id = {}")
    filters.add_if(status, "status = {}")
    start_from, end_to = window
    if start_from is not None:
        filters.add("end_at > {} AND start_at > {}", start_from, start_from - MAX_BOOKING_LENGTH)
    filters.add_if(end_to, "start_at < {}")
    after_key(filters, ORDER, after)
    return await fetch_page(pool, _SELECT, filters, ORDER, limit)
