"""Projections: one module per read model, one small function per event type.

`apply_event` runs every read model's handler for the event, inside the projector's
transaction, and returns the rows it changed (the NOTIFY payload behind /v1/stream).
"""

from __future__ import annotations

import asyncpg

from query_service.projections import (
    booking_stats,
    bookings,
    calendar,
    holds,
    maintenance,
    service_health,
    trips,
    usage,
    vehicles,
)
from query_service.projections.base import Change, Handler
from shared.events import Event

READ_MODELS = (vehicles, calendar, bookings, holds, trips, maintenance, usage, booking_stats,
               service_health)  # fmt: skip
_DISPATCH: dict[type[Event], tuple[Handler, ...]] = {}
for _model in READ_MODELS:
    for _type, _handler in _model.HANDLERS.items():
        _DISPATCH[_type] = (*_DISPATCH.get(_type, ()), _handler)


async def apply_event(conn: asyncpg.Connection, event: Event) -> list[Change]:
    """Apply `event` to every read model it concerns; the caller owns the transaction."""
    changes: list[Change] = []
    for handler in _DISPATCH[type(event)]:
        changes += await handler(conn, event)
    return changes


__all__ = ["READ_MODELS", "Change", "apply_event"]
