"""Reading stored events back: a stream's audit trail and the global catch-up feed.

The feed walks events in (transaction_id, global_position) order and only shows rows
whose transaction is older than every transaction still running (the visibility
horizon of DESIGN §3a). A row that commits late with a lower position therefore still
appears after what a reader has already seen, never behind its cursor.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

import asyncpg

from shared.contract.events import EVENT_TYPES, types_of

_COLUMNS = (
    "global_position, stream_id, version, event_id, event_type, schema_version, data,"
    " metadata, occurred_at, recorded_at"
)


class UnknownPositionError(LookupError):
    """`after` names a global position that holds no event."""


def stored_event(row: Any) -> dict[str, Any]:
    """The public shape of a stored event (audit trail and feed item); the stream's id
    under its kind's name (`vehicle_id`, `location_id`)."""
    cls = EVENT_TYPES.get(row["event_type"])
    return {
        "global_position": row["global_position"],
        cls.STREAM_ID if cls else "stream_id": row["stream_id"],
        "version": row["version"],
        "event_id": row["event_id"],
        "type": row["event_type"],
        "schema_version": row["schema_version"],
        "occurred_at": row["occurred_at"],
        "recorded_at": row["recorded_at"],
        "data": row["data"],
        "metadata": row["metadata"],
    }


async def stream_history(
    pool: asyncpg.Pool, stream_id: UUID, after_version: int, limit: int, kind: str = "vehicle"
) -> list[dict[str, Any]] | None:
    """Events of one stream of `kind` after a version, oldest first; None when no such
    stream exists (a location's id names no vehicle)."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2"
        " AND event_type = ANY($4::text[]) ORDER BY version LIMIT $3",
        stream_id,
        after_version,
        limit,
        types_of(kind),
    )
    if not rows and after_version == 0:
        return None
    return [stored_event(row) for row in rows]


_IN_RELAY_ORDER = (
    f"SELECT {_COLUMNS}, transaction_id::text AS xid FROM events"
    " WHERE (transaction_id, global_position) > ($1::text::xid8, $2)"
    "   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
    " ORDER BY transaction_id, global_position LIMIT $3"
)


async def rows_after(
    db: asyncpg.Pool | asyncpg.Connection, xid: str, position: int, limit: int
) -> list[asyncpg.Record]:
    """Final (below the visibility horizon) events after the cursor (xid, position)."""
    return list(await db.fetch(_IN_RELAY_ORDER, xid, position, limit))


async def events_after(pool: asyncpg.Pool, after: int, limit: int) -> list[dict[str, Any]]:
    """Up to `limit` committed events that follow the event at global position `after`."""
    xid = "0"
    if after > 0:
        xid = await pool.fetchval(
            "SELECT transaction_id::text FROM events WHERE global_position = $1", after
        )
        if xid is None:
            raise UnknownPositionError(after)
    return [stored_event(row) for row in await rows_after(pool, xid, after, limit)]
