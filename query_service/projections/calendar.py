"""Read model `calendar_blocks`: the half-open intervals that block a vehicle's calendar.

Mirrors the command domain: a confirmed booking, a hold and a maintenance window block
their window; a resolved hold, a cancelled or completed booking stop blocking (the row is
deleted); a completed maintenance window blocks only up to its completion. Whether a hold
is still before `expires_at` is decided by the reader, with its clock.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev


async def _insert(
    conn: asyncpg.Connection,
    e: ev.Event,
    block: tuple[UUID, str, datetime, datetime],
    expires_at: datetime | None = None,
) -> list[Change]:
    block_id, kind, start, end = block
    await conn.execute(
        "INSERT INTO calendar_blocks (block_id, vehicle_id, kind, period, expires_at)"
        " VALUES ($1, $2, $3, tstzrange($4, $5, '[)'), $6)",
        block_id, e.vehicle_id, kind, start, end, expires_at,
    )  # fmt: skip
    return [Change("calendar", block_id)]


async def _delete(conn: asyncpg.Connection, block_id: UUID) -> list[Change]:
    status = await conn.execute("DELETE FROM calendar_blocks WHERE block_id = $1", block_id)
    return [Change("calendar", block_id)] if status != "DELETE 0" else []


async def _hold_placed(conn: asyncpg.Connection, e: ev.HoldPlaced) -> list[Change]:
    return await _insert(conn, e, (e.hold_id, "hold", e.start, e.end), e.expires_at)


async def _hold_resolved(
    conn: asyncpg.Connection, e: ev.HoldConfirmed | ev.HoldReleased | ev.HoldExpired
) -> list[Change]:
    return await _delete(conn, e.hold_id)


async def _booking_confirmed(conn: asyncpg.Connection, e: ev.BookingConfirmed) -> list[Change]:
    return await _insert(conn, e, (e.booking_id, "booking", e.start, e.end))


async def _booking_ended(
    conn: asyncpg.Connection, e: ev.BookingCancelled | ev.BookingCompleted
) -> list[Change]:
    return await _delete(conn, e.booking_id)


async def _maintenance_scheduled(
    conn: asyncpg.Connection, e: ev.MaintenanceScheduled
) -> list[Change]:
    return await _insert(conn, e, (e.maintenance_id, "maintenance", e.start, e.end))


async def _maintenance_completed(
    conn: asyncpg.Connection, e: ev.MaintenanceCompleted
) -> list[Change]:
    """Trim the window to [start, min(end, completed_at)); drop it if nothing is left."""
    status = await conn.execute(
        "UPDATE calendar_blocks SET period = tstzrange(lower(period), $2, '[)')"
        " WHERE block_id = $1 AND lower(period) < $2 AND upper(period) > $2",
        e.maintenance_id, e.occurred_at,
    )  # fmt: skip
    if status == "UPDATE 1":
        return [Change("calendar", e.maintenance_id)]
    status = await conn.execute(
        "DELETE FROM calendar_blocks WHERE block_id = $1 AND lower(period) >= $2",
        e.maintenance_id, e.occurred_at,
    )  # fmt: skip
    return [Change("calendar", e.maintenance_id)] if status != "DELETE 0" else []


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.HoldPlaced: _hold_placed,
    ev.HoldConfirmed: _hold_resolved,
    ev.HoldReleased: _hold_resolved,
    ev.HoldExpired: _hold_resolved,
    ev.BookingConfirmed: _booking_confirmed,
    ev.BookingCancelled: _booking_ended,
    ev.BookingCompleted: _booking_ended,
    ev.MaintenanceScheduled: _maintenance_scheduled,
    ev.MaintenanceCompleted: _maintenance_completed,
}
