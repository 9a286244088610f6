"""Read model `calendar_blocks`: the half-open intervals that block a vehicle's calendar.

Mirrors the command domain: a confirmed booking, a hold and a maintenance window block
their window; a resolved hold, a cancelled or completed booking stop blocking (the row is
deleted); a completed maintenance window blocks only up to its completion. Whether a hold
is still before `expires_at` is decided by the reader, with its clock.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from asyncpg import Range

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev

BLOCKS = Rows(
    "calendar_blocks", "block_id", ids=("hold_id", "booking_id", "maintenance_id"),
    kind="calendar",
)  # fmt: skip
TABLES = (BLOCKS,)


def _block(p: Page, e: Any, block_id: UUID, kind: str, expires_at: datetime | None = None) -> None:
    period = Range(e.start, e.end, upper_inc=False)  # tstzrange(start, end, '[)')
    p[BLOCKS].insert(block_id, vehicle_id=e.vehicle_id, kind=kind, period=period,
                     expires_at=expires_at, organization_id=e.organization_id)  # fmt: skip


def _maintenance_completed(p: Page, e: ev.MaintenanceCompleted) -> None:
    """Trim the window to [start, min(end, completed_at)); drop it if nothing is left."""
    row = p[BLOCKS].get(e.maintenance_id)
    if row is None:
        return
    lower, upper = row["period"].lower, row["period"].upper
    if lower < e.occurred_at < upper:
        p[BLOCKS].update(e.maintenance_id, period=Range(lower, e.occurred_at, upper_inc=False))
    elif lower >= e.occurred_at:
        p[BLOCKS].delete(e.maintenance_id)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.HoldPlaced: lambda p, e: _block(p, e, e.hold_id, "hold", e.expires_at),
    ev.HoldConfirmed: lambda p, e: p[BLOCKS].delete(e.hold_id),
    ev.HoldReleased: lambda p, e: p[BLOCKS].delete(e.hold_id),
    ev.HoldExpired: lambda p, e: p[BLOCKS].delete(e.hold_id),
    ev.BookingConfirmed: lambda p, e: _block(p, e, e.booking_id, "booking"),
    ev.BookingCancelled: lambda p, e: p[BLOCKS].delete(e.booking_id),
    ev.BookingCompleted: lambda p, e: p[BLOCKS].delete(e.booking_id),
    ev.MaintenanceScheduled: lambda p, e: _block(p, e, e.maintenance_id, "maintenance"),
    ev.MaintenanceCompleted: _maintenance_completed,
}
