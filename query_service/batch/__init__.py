"""The rebuild's batch path: a shard's page of events applied with a few statements per
table instead of several per event.

The live projector applies one event per transaction with the SQL handlers of
query_service/projections/; here the same rules are folded in Python over the rows the
page touches (rows.py, analytics.py), then written back table by table (tables.py). Both
paths must give identical rows: tests/query/test_batch_replay.py compares every table of
a seeded random fleet, and every pipeline test compares the live tables with a rebuild.
"""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from query_service.batch.analytics import ANALYTICS
from query_service.batch.page import Batch
from query_service.batch.rows import CALENDAR, ENTITIES, TRIPS, VEHICLES, Fold
from shared.events import EVENT_TYPES, Event

# Per event type, the folds in the order projections.READ_MODELS applies its handlers.
_DISPATCH: dict[type[Event], tuple[Fold, ...]] = {
    t: tuple(m[t] for m in (VEHICLES, CALENDAR, ENTITIES, TRIPS, ANALYTICS) if t in m)
    for t in EVENT_TYPES.values()
}


async def apply_page(conn: asyncpg.Connection, batch: Batch, events: Sequence[Event]) -> None:
    """Apply one vehicle shard's events, in order; the caller owns the transaction."""
    await batch.load(conn, events)
    for event in events:
        for fold in _DISPATCH[type(event)]:
            fold(batch, event)
    await batch.flush(conn)


__all__ = ["Batch", "apply_page"]
