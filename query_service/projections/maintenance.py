"""Read model `maintenance`: workshop windows and their completion."""

from __future__ import annotations

import asyncpg

from query_service.projections.base import Change, Handler
from shared import events as ev


async def _scheduled(conn: asyncpg.Connection, e: ev.MaintenanceScheduled) -> list[Change]:
    await conn.execute(
        "INSERT INTO maintenance (maintenance_id, vehicle_id, start_at, end_at, reason, status,"
        " scheduled_at, updated_at) VALUES ($1, $2, $3, $4, $5, 'scheduled', $6, $6)",
        e.maintenance_id, e.vehicle_id, e.start, e.end, e.reason, e.occurred_at,
    )  # fmt: skip
    return [Change("maintenance", e.maintenance_id)]


async def _completed(conn: asyncpg.Connection, e: ev.MaintenanceCompleted) -> list[Change]:
    await conn.execute(
        "UPDATE maintenance SET status = 'completed', completed_at = $2, odometer_km = $3,"
        " updated_at = $2 WHERE maintenance_id = $1",
        e.maintenance_id, e.occurred_at, e.odometer_km,
    )  # fmt: skip
    return [Change("maintenance", e.maintenance_id)]


HANDLERS: dict[type[ev.Event], Handler] = {
    ev.MaintenanceScheduled: _scheduled,
    ev.MaintenanceCompleted: _completed,
}
