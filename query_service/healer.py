"""Healing from the command service's log: the topic is a fast path, not the only one.

A gap (an event arrived ahead of its predecessor) is healed at once from the vehicle's
history. Independently, an anti-entropy walk over the global catch-up feed applies
anything the topic never delivered — records lost by a broker restart (the embedded
broker keeps topics in memory) or left unread by a consumer group — including events of
vehicles that will never produce another event to reveal their gap.
"""

from __future__ import annotations

from uuid import UUID

import asyncpg
import structlog

from query_service import metrics
from query_service.feed_client import CommandFeed
from query_service.projector import Outcome, project, tracked_version
from shared.events import Event

log = structlog.get_logger("query_service.healer")
PAGE = 1000


class Healer:
    """Applies missing events from the command service, through the same projector."""

    def __init__(self, feed: CommandFeed) -> None:
        self._feed = feed

    async def heal_vehicle(self, conn: asyncpg.Connection, vehicle_id: UUID) -> int:
        """Apply a vehicle's events after its tracked version; returns how many."""
        applied = 0
        while True:
            after = await tracked_version(conn, vehicle_id)
            events = await self._feed.history(vehicle_id, after, PAGE)
            for event, position in events:
                if (await project(conn, event, position)).outcome is Outcome.APPLIED:
                    applied += 1
            if len(events) < PAGE:
                break
        metrics.HEALED.inc(applied)
        if applied:
            log.info("vehicle_healed", vehicle_id=str(vehicle_id), applied=applied)
        return applied

    async def catch_up(self, conn: asyncpg.Connection) -> int:
        """Walk the feed from the stored cursor to its end; returns events applied."""
        cursor = int(await conn.fetchval("SELECT after_position FROM feed_cursor"))
        applied = 0
        while True:
            page, next_cursor = await self._feed.page(cursor, PAGE)
            if not page:
                break
            applied += await self._apply_page(conn, page)
            cursor = next_cursor
            await conn.execute("UPDATE feed_cursor SET after_position = $1", cursor)
        if applied:
            metrics.HEALED.inc(applied)
            log.warning("feed_healed_missing_events", applied=applied)
        return applied

    async def _apply_page(self, conn: asyncpg.Connection, page: list[tuple[Event, int]]) -> int:
        vehicles = list({event.vehicle_id for event, _ in page})
        rows = await conn.fetch(
            "SELECT vehicle_id, version FROM vehicle_tracking WHERE vehicle_id = ANY($1)",
            vehicles,
        )
        tracked = {row["vehicle_id"]: row["version"] for row in rows}
        applied = 0
        for event, position in page:
            if event.version <= tracked.get(event.vehicle_id, 0):
                continue  # already projected from the topic: the common case
            result = await project(conn, event, position)
            if result.outcome is Outcome.GAP:
                applied += await self.heal_vehicle(conn, event.vehicle_id)
            elif result.outcome is Outcome.APPLIED:
                applied += 1
            tracked[event.vehicle_id] = max(result.tracked_version, event.version)
        return applied
