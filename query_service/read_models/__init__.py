"""The read models: one module per read model, one small fold per event type it reacts to.

A fold is a pure function of (page, event) over the page's in-memory rows; the page
(page.py) loads the rows a page of events touches and writes them back per table.
Every path that applies events (live consumer, gap healer, rebuild) goes through
query_service.applier, so each rule exists exactly once.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from query_service.read_models import (
    booking_stats,
    bookings,
    busy,
    calendar,
    holds,
    locations,
    maintenance,
    payments,
    pricing,
    service_health,
    trips,
    usage,
    vehicles,
)
from query_service.read_models.page import Change, Finish, Fold, Page
from query_service.read_models.tables import Rows, Sums
from shared.contract.events import EVENT_TYPES, StreamEvent

# Folds of one event run in this order (a fold may read rows an earlier model wrote).
READ_MODELS = (vehicles, calendar, busy, bookings, holds, trips, maintenance, usage,
               booking_stats, service_health, locations, pricing, payments)  # fmt: skip
TABLES: tuple[Rows | Sums, ...] = tuple(t for model in READ_MODELS for t in model.TABLES)
FOLDS: dict[type[StreamEvent], Sequence[Fold]] = {
    t: tuple(m.FOLDS[t] for m in READ_MODELS if t in m.FOLDS) for t in EVENT_TYPES.values()
}
# A module's optional `finish(page)`: per-row work done once per page, before the write-back.
FINISHERS: tuple[Finish, ...] = tuple(m.finish for m in READ_MODELS if hasattr(m, "finish"))


async def new_page(conn: asyncpg.Connection, carry_sums: bool = False) -> Page:
    """Empty buffers for every read-model table of the connection's generation."""
    return await Page.create(conn, TABLES, FOLDS, FINISHERS, carry_sums)


__all__ = ["FOLDS", "READ_MODELS", "TABLES", "Change", "Page", "new_page"]
