"""PostgreSQL adapter for streams whose decision state is folded from their few events.

Locations and pricing policies are streams of their own, appended to the
same `events` table as vehicles, under the same per-stream version guard (unique
`(stream_id, version)`) and with the same Idempotency-Key records in the same statement.
They need no stored decision state: loading one reads its events. The `streams` row
(kind and organization) is written by the append that opens the stream, so an id is
known exactly when its first event committed. A kind may also keep a table of each
stream's head (`HeadTable`: the pricing catalogue), written in the append's transaction.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any
from uuid import UUID

import asyncpg

from command_service.store.event_store import StreamConflictError, stored_event_of
from command_service.store.idempotency import IdempotencyKeyRaceError, StoredResponse
from shared.contract.events import StreamEvent
from shared.contract.serialization import dumps, event_payload

_APPEND = """
WITH ev AS (
    INSERT INTO events (stream_id, version, event_id, event_type, schema_version, data,
                        metadata, occurred_at, organization_id)
    SELECT $1, x.version, x.event_id, x.event_type, x.schema_version, x.data::jsonb,
           $2::jsonb, x.occurred_at, $10
    FROM unnest($3::int[], $4::uuid[], $5::text[], $6::smallint[], $7::text[],
                $8::timestamptz[]) AS x(version, event_id, event_type, schema_version, data,
                                        occurred_at)
    RETURNING global_position
), opened AS (
    INSERT INTO streams (stream_id, kind, organization_id)
    SELECT $1, $9, $10 WHERE $11::boolean
    RETURNING 1
), idem AS (
    INSERT INTO idempotency_keys (key, fingerprint, status, response, stream_id)
    SELECT $12::text, $13::bytea, $14::smallint, $15::jsonb, $1 WHERE $12::text IS NOT NULL
    RETURNING 1
)
SELECT max(global_position) FROM ev
"""
_OWNER = "SELECT organization_id FROM streams WHERE stream_id = $1 AND kind = $2"
_EVENTS = (
    "SELECT version, event_id, event_type, schema_version, data, occurred_at"
    " FROM events WHERE stream_id = $1 ORDER BY version"
)
# The constraints this statement can trip over, and what each means.
_CONFLICTS: dict[str, type[Exception]] = {
    "events_stream_version_key": StreamConflictError,
    "streams_pkey": StreamConflictError,
    "idempotency_keys_pkey": IdempotencyKeyRaceError,
}


@dataclass(frozen=True)
class HeadTable:
    """A table with one row per stream of a kind, as the stream's latest event left it:
    `upsert` (SQL) runs with `row(latest event)` in the transaction of every append."""

    upsert: str
    row: Callable[[StreamEvent], tuple[Any, ...]]


@dataclass(frozen=True)
class StoredStream:
    """A stream's organization and its events, oldest first."""

    organization_id: UUID
    events: list[StreamEvent]


class StreamStore:
    """Reads and appends streams of one kind or another (`streams.kind`)."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool

    async def organization_of(self, kind: str, stream_id: UUID) -> UUID | None:
        """The organization of a stream of `kind`; None when no such stream exists."""
        found: UUID | None = await self._pool.fetchval(_OWNER, stream_id, kind)
        return found

    async def load(self, kind: str, stream_id: UUID) -> StoredStream | None:
        """A stream of `kind` with its events; None when no such stream exists."""
        async with self._pool.acquire() as conn, conn.transaction(isolation="repeatable_read"):
            organization = await conn.fetchval(_OWNER, stream_id, kind)
            if organization is None:
                return None
            rows = await conn.fetch(_EVENTS, stream_id)
        return StoredStream(organization, [stored_event_of(stream_id, row) for row in rows])

    async def append(
        self,
        kind: str,
        stream_id: UUID,
        events: Sequence[StreamEvent],
        metadata: dict[str, Any],
        response: StoredResponse | None = None,
        head: HeadTable | None = None,
    ) -> int:
        """Append `events` (the first one's version says what the stream must be at) and
        write the kind's `head` row, all or nothing; returns the last global position."""
        first = events[0]
        args = (
            stream_id,
            dumps(metadata).decode(),
            [e.version for e in events],
            [e.event_id for e in events],
            [type(e).__name__ for e in events],
            [e.schema_version for e in events],
            [dumps(event_payload(e)).decode() for e in events],
            [e.occurred_at for e in events],
            kind,
            first.organization_id,
            first.version == 1,
            response.key if response else None,
            response.fingerprint if response else None,
            response.status if response else None,
            dumps(response.body).decode() if response else None,
        )
        try:
            position = await self._write(args, head, events[-1])
        except asyncpg.UniqueViolationError as exc:
            error = _CONFLICTS.get(exc.constraint_name or "")
            if error is None:
                raise
            raise error(str(exc)) from exc
        return int(position)

    async def _write(
        self, args: tuple[Any, ...], head: HeadTable | None, latest: StreamEvent
    ) -> Any:
        """The append statement, and with a head table its upsert, in one transaction."""
        if head is None:
            return await self._pool.fetchval(_APPEND, *args)
        async with self._pool.acquire() as conn, conn.transaction():
            position = await conn.fetchval(_APPEND, *args)
            await conn.execute(head.upsert, *head.row(latest))
        return position
