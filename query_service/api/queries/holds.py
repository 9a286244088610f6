"""Queries on the `holds` read model; whether a hold is still active depends on now."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.queries import priced
from query_service.api.sql import Filters, after_key, fetch_one, fetch_page, scoped

KIND = "holds"
ORDER = ("start_at", "hold_id")
_SELECT = (
    "SELECT hold_id, vehicle_id, customer_id, start_at, end_at, expires_at, price_cents,"
    f" currency, status, booking_id, placed_at, resolved_at, {priced.COLUMNS} FROM holds"
)


def hold_item(row: asyncpg.Record, now: datetime) -> dict[str, Any]:
    """The hold as the API shows it: an active hold past expires_at is expired."""
    item = priced.decoded(dict(row))
    item["start"], item["end"] = item.pop("start_at"), item.pop("end_at")
    if item["status"] == "active" and item["expires_at"] <= now:
        item["status"] = "expired"
    return item


def sort_key(row: asyncpg.Record) -> tuple[datetime, UUID]:
    return row["start_at"], row["hold_id"]


async def get_hold(db: Reader, hold_id: UUID) -> asyncpg.Record | None:
    return await fetch_one(db, _SELECT, "hold_id", hold_id)


def _status_filter(filters: Filters, status: str, now: datetime) -> None:
    if status == "active":
        filters.add("status = 'active' AND expires_at > {}", now)
    elif status == "expired":
        filters.add("(status = 'expired' OR (status = 'active' AND expires_at <= {}))", now)
    else:
        filters.add("status = {}", status)


async def list_holds(
    db: Reader,
    *,
    vehicle_id: UUID | None,
    customer_id: UUID | None,
    status: str | None,
    now: datetime,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Holds matching every given filter, by (start, id)."""
    filters = scoped(db)
    filters.add_if(vehicle_id, "vehicle_id = {}")
    filters.add_if(customer_id, "customer_id = {}")
    if status is not None:
        _status_filter(filters, status, now)
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)
