"""Read model `holds`: every hold, its quote and how it was resolved."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev


async def _placed(conn: asyncpg.Connection, e: ev.HoldPlaced) -> list[Change]:
    await conn.execute(
        "INSERT INTO holds (hold_id, vehicle_id, customer_id, start_at, end_at, expires_at,"
        " price_cents, currency, status, placed_at, updated_at)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, 'active', $9, $9)",
        e.hold_id, e.vehicle_id, e.customer_id, e.start, e.end, e.expires_at,
        e.price_cents, e.currency, e.occurred_at,
    )  # fmt: skip
    return [Change("hold", e.hold_id)]


async def _resolve(
    conn: asyncpg.Connection, e: ev.Event, hold_id: UUID, status: str, booking_id: UUID | None
) -> list[Change]:
    await conn.execute(
        "UPDATE holds SET status = $2, booking_id = $3, resolved_at = $4, updated_at = $4"
        " WHERE hold_id = $1",
        hold_id, status, booking_id, e.occurred_at,
    )  # fmt: skip
    return [Change("hold", hold_id)]


async def _confirmed(conn: asyncpg.Connection, e: ev.HoldConfirmed) -> list[Change]:
    return await _resolve(conn, e, e.hold_id, "confirmed", e.booking_id)


async def _released(conn: asyncpg.Connection, e: ev.HoldReleased) -> list[Change]:
    return await _resolve(conn, e, e.hold_id, "released", None)


async def _expired(conn: asyncpg.Connection, e: ev.HoldExpired) -> list[Change]:
    return await _resolve(conn, e, e.hold_id, "expired", None)


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.HoldPlaced: _placed,
    ev.HoldConfirmed: _confirmed,
    ev.HoldReleased: _released,
    ev.HoldExpired: _expired,
}
