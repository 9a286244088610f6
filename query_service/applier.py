"""Apply a page of events to the read models in one tracked transaction (DESIGN §5).

Per stream (a vehicle's, a location's: every kind alike), `stream_tracking.version` is the
last applied stream version. An event at or below it is a duplicate (at-least-once
delivery) and is skipped; one above version + 1 is out of order — a gap — and is held
back: the caller heals the gap from the command service's feed and offers the held
events again.

The transaction first claims the tracking rows (a conditional write of the versions the
page will reach), then loads, folds and writes the read-model rows, and NOTIFYs one
change notice per applied event in the writes' statement. A concurrent applier of the
same stream (the live consumer against the healer) waits on the claimed row and then
finds its expected version gone: it rolls back and retries on fresh rows, where those
events are duplicates.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

import asyncpg

from query_service.read_models import Change, Page, new_page
from query_service.read_models.upsert import Batch
from shared.contract.events import StreamEvent, event_type
from shared.contract.serialization import dumps

CHANGES_CHANNEL = "fleet_changes"
_ATTEMPTS = 5
CARRIED_ROWS = 100_000  # per connection: bounds the memory of carried sums
_CLAIM = """
WITH claim AS (
    SELECT * FROM unnest($1::uuid[], $2::int[], $3::bigint[], $4::timestamptz[], $5::int[])
        AS c(stream_id, version, global_position, last_event_at, expected)
), moved AS (
    UPDATE stream_tracking t SET version = c.version, global_position = c.global_position,
        last_event_at = c.last_event_at
    FROM claim c WHERE t.stream_id = c.stream_id AND c.expected > 0
        AND t.version = c.expected
    RETURNING 1
), born AS (
    INSERT INTO stream_tracking (stream_id, version, global_position, last_event_at)
    SELECT stream_id, version, global_position, last_event_at FROM claim WHERE expected = 0
    ON CONFLICT (stream_id) DO NOTHING
    RETURNING 1
)
SELECT (SELECT count(*) FROM moved) + (SELECT count(*) FROM born)
"""
_NOTIFY = "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n"


class StreamRef(NamedTuple):
    """A stream by kind and id: what healing a gap needs to know."""

    kind: str
    id: UUID

    @classmethod
    def of(cls, event: StreamEvent) -> StreamRef:
        return cls(event.STREAM, event.stream_id)


class Outcome(enum.Enum):
    APPLIED = "applied"
    DUPLICATE = "duplicate"
    GAP = "gap"


@dataclass(frozen=True)
class Applied:
    """One applied event, its position in the global log and the rows it changed."""

    event: StreamEvent
    position: int
    changes: tuple[Change, ...]


@dataclass
class PageResult:
    """What became of a page: applied events, duplicates, and events held back by a gap."""

    applied: list[Applied] = field(default_factory=list)
    duplicates: int = 0
    held: list[tuple[StreamEvent, int]] = field(default_factory=list)
    # Per stream id: the tracked version after the page.
    tracked: dict[UUID, int] = field(default_factory=dict)

    @property
    def gaps(self) -> set[StreamRef]:
        return {StreamRef.of(event) for event, _ in self.held}


class _LostRace(Exception):
    """Another applier advanced a stream of this page first."""


class PageApplier:
    """Applies pages on one connection (bound to one read-model generation)."""

    def __init__(self, conn: asyncpg.Connection, page: Page, notify: bool = True) -> None:
        self.conn, self._page, self._notify = conn, page, notify

    @classmethod
    async def create(
        cls,
        conn: asyncpg.Connection,
        notify: bool = True,
        carry_sums: bool = False,
        fresh: bool = False,
    ) -> PageApplier:
        """`carry_sums` (a rebuild): the fleet tables' sums are written every
        CARRIED_ROWS rows and by `write_carried`, not with each page. `fresh` (a
        rebuild's first pass): the generation was empty and only this connection writes
        the rows of its streams (Page.start_fresh)."""
        page = await new_page(conn, carry_sums)
        if fresh:
            page.start_fresh()
        return cls(conn, page, notify)

    async def apply(self, records: Sequence[tuple[StreamEvent, int]]) -> PageResult:
        """Apply what the page can, exactly once and in version order per stream."""
        self._page.check_unspoiled()
        for attempt in range(_ATTEMPTS):
            try:
                async with self.conn.transaction():
                    result = await self._apply(records)
                self._page.committed()
                break
            except (_LostRace, asyncpg.DeadlockDetectedError):
                # Carried sums keep a page's additions: once it folded, no retry
                # (Page.spoiled). A rebuild's shards have no rival writer anyway.
                if attempt == _ATTEMPTS - 1 or self._page.spoiled:
                    raise
            finally:  # rolled back or written: either way no buffered row is current now
                self._page.discard()
        if self._page.carried >= CARRIED_ROWS:
            await self.write_carried()
        return result

    async def write_carried(self) -> None:
        """Write the bucket sums carried over pages."""
        async with self.conn.transaction():
            await self._page.write_carried(self.conn)

    async def _apply(self, records: Sequence[tuple[StreamEvent, int]]) -> PageResult:
        result = PageResult()
        streams = list({event.stream_id for event, _ in records})
        rows = await self.conn.fetch(
            "SELECT stream_id, version FROM stream_tracking WHERE stream_id = ANY($1)", streams
        )
        expected = {row["stream_id"]: row["version"] for row in rows}
        tracked = result.tracked = {sid: expected.get(sid, 0) for sid in streams}
        accepted: list[tuple[StreamEvent, int]] = []
        last: dict[UUID, tuple[int, datetime]] = {}
        for event, position in records:
            stream_id = event.stream_id
            current = tracked[stream_id]
            if event.version <= current:
                result.duplicates += 1
            elif event.version == current + 1:
                tracked[stream_id] = event.version
                last[stream_id] = (position, event.occurred_at)
                accepted.append((event, position))
            else:
                result.held.append((event, position))
        if not accepted:
            return result
        await self._claim(tracked, expected, last)
        page = self._page
        await page.load(self.conn, (event for event, _ in accepted))
        result.applied = [Applied(e, pos, page.fold(e)) for e, pos in accepted]
        batch = Batch()
        await page.flush(self.conn, batch)
        if self._notify:  # the change notices go with the writes: one round trip
            notices = [_notice(a) for a in result.applied]
            await batch.send(self.conn, _NOTIFY, [CHANGES_CHANNEL, notices])
        else:
            await batch.send(self.conn)
        return result

    async def _claim(
        self,
        tracked: dict[UUID, int],
        expected: dict[UUID, int],
        last: dict[UUID, tuple[int, datetime]],
    ) -> None:
        moved = list(last)
        claimed = await self.conn.fetchval(
            _CLAIM, moved, [tracked[v] for v in moved], [last[v][0] for v in moved],
            [last[v][1] for v in moved], [expected.get(v, 0) for v in moved],
        )  # fmt: skip
        if claimed != len(moved):
            raise _LostRace


def _notice(applied: Applied) -> str:
    """The NOTIFY payload behind GET /v1/stream (well under the 8000-byte limit); the
    stream's id under its kind's name (`vehicle_id`, `location_id`)."""
    event = applied.event
    return dumps(
        {
            "organization_id": event.organization_id,
            event.STREAM_ID: event.stream_id,
            "version": event.version,
            "event_type": event_type(event),
            "global_position": applied.position,
            "occurred_at": event.occurred_at,
            "changes": [{"kind": c.kind, "id": c.id} for c in applied.changes[:20]],
        }
    ).decode()


async def tracked_version(conn: asyncpg.Connection, stream_id: UUID) -> int:
    version = await conn.fetchval(
        "SELECT version FROM stream_tracking WHERE stream_id = $1", stream_id
    )
    return int(version or 0)
