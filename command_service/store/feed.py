"""Reading stored events back: a stream's audit trail and the global catch-up feed.

The feed walks events in (transaction_id, global_position) order and only shows rows
whose transaction is older than every transaction still running (the visibility
horizon of DESIGN §3a). A row that commits late with a lower position therefore still
appears after what a reader has already seen, never behind its cursor.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from shared.contract.events import EVENT_TYPES, types_of
from shared.contract.kafka_record import Envelope, Record, record_of
from shared.contract.serialization import event_class
from shared.contract.shards import sql_shard_of
from shared.contract.upcasting import CURRENT_SCHEMA, upcast

_FIELDS = (
    "global_position", "stream_id", "version", "event_id", "event_type", "schema_version",
    "data", "metadata", "occurred_at", "recorded_at",
)  # fmt: skip
_COLUMNS = ", ".join(_FIELDS)


class UnknownPositionError(LookupError):
    """`after` names a global position that holds no event (for this reader)."""


def _current(data: dict[str, Any], schema_version: int) -> tuple[dict[str, Any], int]:
    """The event data and its schema version as the current schema reads them."""
    if schema_version >= CURRENT_SCHEMA:
        return data, schema_version
    current = upcast({**data, "schema_version": schema_version})
    return {k: v for k, v in current.items() if k != "schema_version"}, current["schema_version"]


def stored_event(row: Any) -> dict[str, Any]:
    """The public shape of a stored event (audit trail and feed item), in the current
    schema (an event stored before organizations existed shows its `organization_id`),
    the stream's id under its kind's name (`vehicle_id`, `location_id`)."""
    cls = EVENT_TYPES.get(row["event_type"])
    data, schema_version = _current(row["data"], row["schema_version"])
    return {
        "global_position": row["global_position"],
        cls.STREAM_ID if cls else "stream_id": row["stream_id"],
        "version": row["version"],
        "event_id": row["event_id"],
        "type": row["event_type"],
        "schema_version": schema_version,
        "occurred_at": row["occurred_at"],
        "recorded_at": row["recorded_at"],
        "data": data,
        "metadata": row["metadata"],
    }


def stored_record(row: Any) -> Record:
    """The Kafka record of a stored event (the relay's hot path): built from the row's
    fields in the current schema, never through the event's model (its validation and
    dump made the conversion 1.5x slower in a micro-benchmark); the same record as
    `to_record`."""
    cls = event_class(row["event_type"])
    data, schema_version = _current(row["data"], row["schema_version"])
    stream_id, event_id, occurred_at = row["stream_id"], row["event_id"], row["occurred_at"]
    fields = {
        **data,
        "event_id": event_id,
        "version": row["version"],
        "occurred_at": occurred_at,
        "schema_version": schema_version,
        cls.STREAM_ID: stream_id,
    }
    envelope = Envelope(cls.STREAM, row["event_type"], stream_id, event_id,
                        UUID(data["organization_id"]), occurred_at, row["version"])  # fmt: skip
    return record_of(envelope, fields, row["global_position"], row["metadata"]["correlation_id"])


async def stream_history(
    pool: asyncpg.Pool,
    stream_id: UUID,
    after_version: int,
    limit: int,
    organization_id: UUID | None,
    kind: str = "vehicle",
) -> list[dict[str, Any]] | None:
    """Events of one stream of `kind` after a version, oldest first; None when no such
    stream exists or it is not of `organization_id` (None: any organization's)."""
    rows = await pool.fetch(
        f"SELECT {_COLUMNS} FROM events WHERE stream_id = $1 AND version > $2"
        " AND event_type = ANY($4::text[]) AND ($5::uuid IS NULL OR organization_id = $5)"
        " ORDER BY version LIMIT $3",
        stream_id,
        after_version,
        limit,
        types_of(kind),
        organization_id,
    )
    if not rows and after_version == 0:
        return None
    return [stored_event(row) for row in rows]


_WALK = (
    " WHERE {organization}(transaction_id, global_position) > ($1::text::xid8, $2)"
    "   AND transaction_id < pg_snapshot_xmin(pg_current_snapshot())"
    " ORDER BY transaction_id, global_position LIMIT $3"
)
_IN_RELAY_ORDER = f"SELECT {_COLUMNS}, transaction_id::text AS xid FROM events" + _WALK.format(
    organization=""
)


async def rows_after(
    db: asyncpg.Pool | asyncpg.Connection, xid: str, position: int, limit: int
) -> list[asyncpg.Record]:
    """Final (below the visibility horizon) events after the cursor (xid, position)."""
    return list(await db.fetch(_IN_RELAY_ORDER, xid, position, limit))


def _walk(columns: str, of_organization: bool) -> str:
    """The feed's walk in relay order, over one organization's events (its own index, not
    a walk of everyone's: parameter $4) or every one's."""
    organization = "organization_id = $4 AND " if of_organization else ""
    return f"SELECT {columns} FROM events" + _WALK.format(organization=organization)


def _feed_query(of_organization: bool, sharded: bool) -> str:
    """The feed's walk (`_walk`). Sharded (the two parameters after those: shards,
    shard), every event still counts against the limit but only the shard's carry their
    data and metadata: the others only say how far the page went, and cost neither their
    JSON nor its parsing."""
    columns = _COLUMNS
    if sharded:
        n = 5 if of_organization else 4
        mine = f"{sql_shard_of('stream_id', f'${n}')} = ${n + 1}"
        columns = ", ".join(
            f"CASE WHEN {mine} THEN {f} END AS {f}" if f in ("data", "metadata") else f
            for f in _FIELDS
        )
    return _walk(columns, of_organization)


_FEED = {(o, s): _feed_query(o, s) for o in (False, True) for s in (False, True)}
_CURSOR = (
    "SELECT transaction_id::text FROM events"
    " WHERE global_position = $1 AND ($2::uuid IS NULL OR organization_id = $2)"
)


@dataclass(frozen=True)
class FeedPage:
    """A page of the feed: the events of the requested shard (all, unsharded), the
    position to read on from, and how many events of the feed the page went past."""

    items: list[dict[str, Any]]
    next_after: int
    covered: int


async def events_after(
    pool: asyncpg.Pool,
    after: int,
    limit: int,
    organization_id: UUID | None,
    shard: int = 0,
    shards: int = 1,
) -> FeedPage:
    """The `limit` committed events of `organization_id` (None: of every organization)
    that follow the event at global position `after`, which must be one of them; of
    those, the items of streams in shard `shard` of `shards` (shared.contract.shards)."""
    args = await _walk_args(pool, after, limit, organization_id)
    if shards > 1:
        args += [shards, shard]
    rows = await pool.fetch(_FEED[organization_id is not None, shards > 1], *args)
    items = [stored_event(row) for row in rows if row["data"] is not None]
    next_after = rows[-1]["global_position"] if rows else after
    return FeedPage(items, next_after, len(rows))


async def _walk_args(
    pool: asyncpg.Pool, after: int, limit: int, organization_id: UUID | None
) -> list[Any]:
    """The walk's parameters: the cursor's transaction, position and limit (and the
    organization); the position must hold one of the organization's events."""
    xid = "0"
    if after > 0:
        xid = await pool.fetchval(_CURSOR, after, organization_id)
        if xid is None:
            raise UnknownPositionError(after)
    return [xid, after, limit, *([] if organization_id is None else [organization_id])]


_HEADS = {
    o: _walk("global_position, stream_id, event_type, version, recorded_at", o)
    for o in (False, True)
}


@dataclass(frozen=True)
class Heads:
    """A page of the feed walked without its events: each stream it went past, by id, as
    (kind, last version in the page); the position to read on from; how many events."""

    streams: dict[UUID, tuple[str, int]]
    next_after: int
    covered: int


async def heads_after(
    pool: asyncpg.Pool,
    after: int,
    limit: int,
    organization_id: UUID | None,
    recorded_before: datetime | None = None,
) -> Heads:
    """The walk of `events_after`, but only where each stream got to: what an
    anti-entropy check compares with what it applied, at a fraction of the events' cost.
    With `recorded_before`, the walk stops at the first event stored at or after it."""
    args = await _walk_args(pool, after, limit, organization_id)
    streams: dict[UUID, tuple[str, int]] = {}
    next_after, covered = after, 0
    for row in await pool.fetch(_HEADS[organization_id is not None], *args):
        if recorded_before is not None and row["recorded_at"] >= recorded_before:
            break
        # relay order keeps a stream's versions ascending: the last one seen is its head
        streams[row["stream_id"]] = (event_class(row["event_type"]).STREAM, row["version"])
        next_after, covered = row["global_position"], covered + 1
    return Heads(streams, next_after, covered)
