"""Healing from the command service's log: the topic is a fast path, not the only one.

A gap (an event arrived ahead of its predecessor) is healed at once from the stream's
history (a vehicle's, a location's). Independently, an anti-entropy walk over the global
catch-up feed heals anything the topic never delivered — records lost by a broker
restart or left unread by a consumer group — including events of streams that will never
produce another event to reveal their gap. The walk reads where each stream got to
(`GET /v1/events/heads`), not the events: a stream ahead of its tracked version is healed
from its history. Both apply events through the same page applier as the consumer.

The walk leaves the newest events (stored less than `grace_s` ago) to the topic: a
consumer a second behind is healthy, and healing what it is about to deliver would only
turn its records into duplicates. In a healthy run the healer applies nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import structlog

from query_service import metrics
from query_service.applier import PageApplier, StreamRef, tracked_version
from query_service.feed_client import CommandFeed

log = structlog.get_logger("query_service.healer")
PAGE = 1000
HEADS_PAGE = 10_000

# The streams of a page of heads that are ahead of what this generation applied.
_BEHIND = """
SELECT h.kind, h.id FROM unnest($1::text[], $2::uuid[], $3::int[]) AS h(kind, id, version)
LEFT JOIN stream_tracking t ON t.stream_id = h.id
WHERE coalesce(t.version, 0) < h.version
"""


def _in_bulk(behind: int, covered: int) -> bool:
    """Whether to read a page of heads' events in bulk rather than heal its `behind`
    streams one by one: a stream's history and a bulk page of `PAGE` events each cost a
    request and a transaction, so the fewer requests."""
    return behind * PAGE > covered


class Healer:
    """Applies missing events from the command service's feed."""

    def __init__(self, feed: CommandFeed, grace_s: float = 15.0) -> None:
        self._feed, self._grace = feed, timedelta(seconds=grace_s)

    async def heal_stream(self, applier: PageApplier, stream: StreamRef) -> int:
        """Apply a stream's events after its tracked version; returns how many."""
        applied = 0
        while True:
            after = await tracked_version(applier.conn, stream.id)
            events = await self._feed.history(stream.kind, stream.id, after, PAGE)
            applied += len((await applier.apply(events)).applied)
            if len(events) < PAGE:
                break
        metrics.HEALED.inc(applied)
        if applied:
            log.info("stream_healed", stream=stream.kind, stream_id=str(stream.id),
                     applied=applied)  # fmt: skip
        return applied

    async def catch_up(self, applier: PageApplier) -> int:
        """Walk the feed from the stored cursor to its end; returns events applied.

        The walk reads stream heads, not events: streams up to date cost a row of one
        query. Streams behind are healed from their histories, or, when that would take
        more requests (a fresh generation being refilled), from the page's events in
        feed order, as before (`_in_bulk`)."""
        conn = applier.conn
        cursor = int(await conn.fetchval("SELECT after_position FROM feed_cursor"))
        settled = datetime.now(UTC) - self._grace
        applied = 0
        while True:
            heads = await self._feed.heads(cursor, HEADS_PAGE, settled)
            if not heads.covered:
                break
            kinds, ids, versions = zip(*heads.streams, strict=True)
            behind = await conn.fetch(_BEHIND, list(kinds), list(ids), list(versions))
            if _in_bulk(len(behind), heads.covered):
                applied += await self._apply_walk(applier, cursor, heads.covered)
            else:
                for row in behind:
                    stream = StreamRef(row["kind"], row["id"])
                    applied += await self.heal_stream(applier, stream)
            cursor = heads.next_after
            await conn.execute("UPDATE feed_cursor SET after_position = $1", cursor)
        if applied:
            log.warning("feed_healed_missing_events", applied=applied)
        return applied

    async def _apply_walk(self, applier: PageApplier, cursor: int, events: int) -> int:
        """Apply the next `events` of the feed after `cursor`, page by page (the events a
        page of heads went past: rows below the visibility horizon never change order)."""
        applied = 0
        while events > 0:
            page, cursor = await self._feed.page(cursor, min(PAGE, events))
            if not page:  # cannot happen below the horizon; never loop on it
                break
            result = await applier.apply(page)
            applied += len(result.applied)
            metrics.HEALED.inc(len(result.applied))  # heal_stream counts its own
            for stream in result.gaps:  # its earlier events lie before the cursor
                applied += await self.heal_stream(applier, stream)
            events -= len(page)
        return applied
