"""Queries on the `locations` read model, always within one organization."""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.sql import Filters, after_key, fetch_page

KIND = "locations"
ORDER = ("location_id",)
_SELECT = (
    "SELECT location_id, organization_id, name, lat, lon, timezone, address, version,"
    " opened_at, updated_at FROM locations"
)


def location_item(row: asyncpg.Record) -> dict[str, Any]:
    return dict(row)


def sort_key(row: asyncpg.Record) -> tuple[UUID]:
    return (row["location_id"],)


async def get_location(
    pool: asyncpg.Pool, location_id: UUID, organization_id: UUID
) -> asyncpg.Record | None:
    """The location, if it belongs to the organization (another's reads as unknown)."""
    row: asyncpg.Record | None = await pool.fetchrow(
        f"{_SELECT} WHERE location_id = $1 AND organization_id = $2", location_id, organization_id
    )
    return row


async def list_locations(
    pool: asyncpg.Pool, *, organization_id: UUID, after: tuple[Any, ...] | None, limit: int
) -> list[asyncpg.Record]:
    """The organization's locations, by id."""
    filters = Filters()
    filters.add("organization_id = {}", organization_id)
    after_key(filters, ORDER, after)
    return await fetch_page(pool, _SELECT, filters, ORDER, limit)
