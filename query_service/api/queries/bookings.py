"""Queries on the `bookings` read model."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.queries import priced
from query_service.api.sql import after_key, fetch_one, fetch_page, in_organization, scoped

KIND = "bookings"
ORDER = ("start_at", "booking_id")
# DESIGN §2: no booking or hold is longer, so an overlap filter can bound its index range.
MAX_BOOKING_LENGTH = timedelta(days=30)
_SELECT = (
    "SELECT booking_id, vehicle_id, customer_id, hold_id, start_at, end_at, price_cents,"
    " currency, purpose, cost_centre, location_id, status, trip_id, confirmed_at,"
    " cancelled_at, cancel_reason, refund_cents, refund_percent, completed_at,"
    f" {priced.COLUMNS} FROM bookings"
)


def booking_item(row: asyncpg.Record) -> dict[str, Any]:
    item = priced.decoded(dict(row))
    item["start"], item["end"] = item.pop("start_at"), item.pop("end_at")
    return item


def sort_key(row: asyncpg.Record) -> tuple[datetime, UUID]:
    return row["start_at"], row["booking_id"]


async def get_booking(db: Reader, booking_id: UUID) -> asyncpg.Record | None:
    return await fetch_one(db, _SELECT, "booking_id", booking_id)


async def booking_under_way(db: Reader, vehicle_id: UUID, now: datetime) -> asyncpg.Record | None:
    """The confirmed booking of the vehicle whose window contains `now`, if any."""
    args: list[Any] = [vehicle_id, now, now - MAX_BOOKING_LENGTH]
    row: asyncpg.Record | None = await db.fetchrow(
        f"{_SELECT} WHERE vehicle_id = $1 AND status = 'confirmed' AND start_at <= $2"
        f" AND start_at > $3 AND end_at > $2{in_organization(db, args)}"
        " ORDER BY start_at DESC LIMIT 1",
        *args,
    )
    return row


async def list_bookings(
    db: Reader,
    *,
    vehicle_id: UUID | None,
    customer_id: UUID | None,
    status: str | None,
    location_id: UUID | None = None,
    cost_centre: str | None = None,
    window: tuple[datetime | None, datetime | None],
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Bookings matching every given filter and overlapping [from, to), by (start, id)."""
    filters = scoped(db)
    filters.add_if(vehicle_id, "vehicle_id = {}")
    filters.add_if(customer_id, "customer_id = {}")
    filters.add_if(status, "status = {}")
    filters.add_if(location_id, "location_id = {}")
    filters.add_if(cost_centre, "cost_centre = {}")
    start_from, end_to = window
    if start_from is not None:
        filters.add("end_at > {} AND start_at > {}", start_from, start_from - MAX_BOOKING_LENGTH)
    filters.add_if(end_to, "start_at < {}")
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)
