"""What the vehicle's stream says about a paid hold and the booking it became.

The process manager decides from these stored events alone (and, for a no-show, the
clock), so a step retried after a crash decides exactly what the first attempt did.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from uuid import UUID

import asyncpg

from command_service.store.event_store import stored_event_of
from shared.contract import events as ev

_TYPES = [
    "HoldPlaced",
    "HoldConfirmed",
    "HoldReleased",
    "HoldExpired",
    "BookingConfirmed",
    "BookingCancelled",
    "TripStarted",
    "TripEnded",
]
_STORY = """
SELECT version, event_id, event_type, schema_version, data, occurred_at, organization_id
FROM events
WHERE stream_id = $1 AND event_type = ANY($2::text[])
  AND (data->>'hold_id' = $3::uuid::text OR data->>'booking_id' = $4::uuid::text)
ORDER BY version
"""
_OWNER = "SELECT stream_id FROM entity_index WHERE entity_id = $1 AND kind = 'hold'"


@dataclass(frozen=True)
class HoldStory:
    """A hold and, once confirmed, its booking, as far as the vehicle's events tell."""

    vehicle_id: UUID
    placed: ev.HoldPlaced
    ended: ev.HoldReleased | ev.HoldExpired | None = None  # given back or expired
    confirmed: ev.HoldConfirmed | None = None
    booking: ev.BookingConfirmed | None = None
    cancelled: ev.BookingCancelled | None = None
    trip_started: ev.TripStarted | None = None
    trip_ended: ev.TripEnded | None = None


async def vehicle_of_hold(db: asyncpg.Pool | asyncpg.Connection, hold_id: UUID) -> UUID | None:
    """The vehicle a hold id belongs to, or None."""
    found: UUID | None = await db.fetchval(_OWNER, hold_id)
    return found


async def hold_story(
    db: asyncpg.Pool | asyncpg.Connection,
    vehicle_id: UUID,
    hold_id: UUID,
    booking_id: UUID | None = None,
) -> HoldStory | None:
    """The story of `hold_id` (and of `booking_id`, the booking a payment makes of it)."""
    rows = await db.fetch(_STORY, vehicle_id, _TYPES, hold_id, booking_id)
    events = [stored_event_of(vehicle_id, row) for row in rows]
    placed = next((e for e in events if isinstance(e, ev.HoldPlaced)), None)
    if placed is None:
        return None
    story = HoldStory(vehicle_id, placed)
    for event in events:
        story = _told(story, event)
    return story


def _told(story: HoldStory, event: object) -> HoldStory:
    """The story with one more event."""
    if isinstance(event, ev.HoldReleased | ev.HoldExpired):
        return replace(story, ended=event)
    if isinstance(event, ev.HoldConfirmed):
        return replace(story, confirmed=event)
    if isinstance(event, ev.BookingConfirmed):
        return replace(story, booking=event)
    if isinstance(event, ev.BookingCancelled):
        return replace(story, cancelled=event)
    if isinstance(event, ev.TripStarted):
        return replace(story, trip_started=event)
    if isinstance(event, ev.TripEnded):
        return replace(story, trip_ended=event)
    return story
