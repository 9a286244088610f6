"""Calendar queries over a vehicle state: blocking intervals, overlaps and pruning."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from uuid import UUID

from command_service.domain.errors import Conflict
from command_service.domain.rules import (
    MAINTENANCE_START_GRACE,
    MAX_BOOKING_LENGTH,
    MAX_MAINTENANCE_LENGTH,
    TRIP_GRACE,
)
from command_service.domain.state import (
    Booking,
    Hold,
    Maintenance,
    VehicleState,
    starting_between,
)

TRIP_RETENTION = timedelta(days=1)


def _booking_conflict(booking: Booking) -> Conflict:
    return Conflict("booking", booking.booking_id, booking.start, booking.end)


def _hold_conflict(hold: Hold) -> Conflict:
    return Conflict("hold", hold.hold_id, hold.start, hold.end)


def _maintenance_conflict(window: Maintenance) -> Conflict:
    return Conflict("maintenance", window.maintenance_id, window.start, window.block_end)


def _blocks(
    bookings: tuple[Booking, ...],
    holds: tuple[Hold, ...],
    windows: tuple[Maintenance, ...],
    now: datetime,
) -> list[Conflict]:
    """The blocking intervals among the given records, sorted by (start, id)."""
    blocks = [_booking_conflict(b) for b in bookings if b.status == "confirmed"]
    blocks += [_hold_conflict(h) for h in holds if h.is_active(now)]
    blocks += [_maintenance_conflict(m) for m in windows if m.start < m.block_end]
    return sorted(blocks, key=lambda c: (c.start, c.id))


def active_blocks(state: VehicleState, now: datetime) -> list[Conflict]:
    """Every calendar block that blocks at `now`, sorted by start."""
    return _blocks(state.bookings, state.holds, state.maintenance, now)


def overlapping(
    state: VehicleState, start: datetime, end: datetime, now: datetime
) -> list[Conflict]:
    """The active blocks that overlap [start, end), found by bisecting on start."""
    # A record overlapping [start, end) starts before `end` and, since no record is
    # longer than its kind's maximum length, no earlier than `start - maximum`.
    bookings = starting_between(state.bookings, start - MAX_BOOKING_LENGTH, end)
    holds = starting_between(state.holds, start - MAX_BOOKING_LENGTH, end)
    windows = starting_between(state.maintenance, start - MAX_MAINTENANCE_LENGTH, end)
    return [c for c in _blocks(bookings, holds, windows, now) if c.end > start]


def running_trip_bookings(state: VehicleState) -> list[Conflict]:
    """The bookings of trips still running, as conflicts."""
    running = {t.booking_id for t in state.trips if t.running}
    return [_booking_conflict(b) for b in state.bookings if b.booking_id in running]


def retirement_blockers(state: VehicleState, now: datetime) -> list[Conflict]:
    """What stops a retirement: future bookings, live holds and running trips' bookings."""
    blockers = {c.id: c for c in running_trip_bookings(state)}
    for booking in state.bookings:
        if booking.status == "confirmed" and booking.end > now:
            blockers[booking.booking_id] = _booking_conflict(booking)
    for hold in state.holds:
        if hold.is_active(now):
            blockers[hold.hold_id] = _hold_conflict(hold)
    return sorted(blockers.values(), key=lambda c: (c.start, c.id))


def _keeps_booking(booking: Booking, running: set[UUID], now: datetime) -> bool:
    return booking.end + TRIP_GRACE >= now or booking.booking_id in running


def prune(state: VehicleState, now: datetime) -> VehicleState:
    """Drop the records no future decision at or after `now` can need."""
    running = {t.booking_id for t in state.trips if t.running}
    trip_horizon = now - TRIP_RETENTION
    # Maintenance may start up to the grace before now, so keep blocks reaching into it.
    maintenance_horizon = now - MAINTENANCE_START_GRACE
    return replace(
        state,
        bookings=tuple(b for b in state.bookings if _keeps_booking(b, running, now)),
        trips=tuple(t for t in state.trips if t.ended_at is None or t.ended_at >= trip_horizon),
        holds=tuple(
            h for h in state.holds if h.resolution is None or h.end >= now or h.expires_at >= now
        ),
        maintenance=tuple(
            m
            for m in state.maintenance
            if m.completed_at is None or m.block_end >= maintenance_horizon
        ),
    )
