"""Queries on the `calendar_blocks` read model: one vehicle's blocks in a window."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import after_key, fetch_page, scoped

KIND = "calendar"
ORDER = ("lower(period)", "block_id")
_SELECT = (
    "SELECT kind, block_id, lower(period) AS start_at, upper(period) AS end_at, expires_at"
    " FROM calendar_blocks"
)


def block_item(row: asyncpg.Record) -> dict[str, Any]:
    return {
        "kind": row["kind"],
        "id": row["block_id"],
        "start": row["start_at"],
        "end": row["end_at"],
        "expires_at": row["expires_at"],
    }


def sort_key(row: asyncpg.Record) -> tuple[datetime, UUID]:
    return row["start_at"], row["block_id"]


async def list_blocks(
    db: Reader,
    vehicle_id: UUID,
    *,
    window: tuple[datetime, datetime | None],
    now: datetime,
    after: tuple[Any, ...] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Blocks of the vehicle that overlap [from, to) and block at `now`, by start."""
    start_from, end_to = window
    filters = scoped(db)
    filters.add("vehicle_id = {}", vehicle_id)
    filters.add("upper(period) > {}", start_from)
    filters.add_if(end_to, "lower(period) < {}")
    filters.add("(expires_at IS NULL OR expires_at > {})", now)
    after_key(filters, ORDER, after)
    return await fetch_page(db, _SELECT, filters, ORDER, limit)
