"""Which calendar blocks a decision needs: the one rule the store's block query obeys.

A vehicle's state carries its attributes and recent trips in full, but only a slice of
its calendar: the blocks the command at hand can touch. Anything a decision reads or an
event changes must lie inside the slice; everything outside it is left as it is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from uuid import UUID

from command_service.domain.commands import (
    BookVehicle,
    CancelBooking,
    Command,
    CompleteMaintenance,
    ConfirmHold,
    EndTrip,
    ExpireHold,
    PlaceHold,
    ReleaseHold,
    RetireVehicle,
    ScheduleMaintenance,
    StartTrip,
)
from command_service.domain.rules import MAX_BOOKING_LENGTH, MAX_MAINTENANCE_LENGTH

# No block is longer, so a block overlapping [start, end) starts at or after start - this.
LONGEST_BLOCK = max(MAX_BOOKING_LENGTH, MAX_MAINTENANCE_LENGTH)
# The scope is taken before the rules judge the window: a start near year 1 must not overflow.
EARLIEST = datetime.min.replace(tzinfo=UTC)


@dataclass(frozen=True)
class CalendarScope:
    """The blocks to load: by id, by overlap with a window, or every one still live.

    * `ids`: blocks with these ids, and the booking that carries a trip with one of them;
    * `window`: blocks that may overlap [start, end) (start in [start - LONGEST_BLOCK, end)
      and end after start);
    * `live_at`: every block that can still block or be acted on at that instant (ends or
      expires after it, or is a confirmed booking with a trip, i.e. a trip still running).
    """

    ids: tuple[UUID, ...] = ()
    window: tuple[datetime, datetime] | None = None
    live_at: datetime | None = None

    @property
    def window_floor(self) -> datetime | None:
        """The earliest start a block overlapping the window can have."""
        if self.window is None:
            return None
        start = self.window[0]
        return start - LONGEST_BLOCK if start - EARLIEST > LONGEST_BLOCK else EARLIEST


def calendar_scope(command: Command, now: datetime) -> CalendarScope:
    """The calendar slice `command` needs at `now` (empty for vehicle-only commands)."""
    match command:
        case BookVehicle() | PlaceHold() | ScheduleMaintenance():
            return CalendarScope(ids=(_created_id(command),), window=(command.start, command.end))
        case ConfirmHold():
            return CalendarScope(ids=(command.hold_id, command.booking_id))
        case ReleaseHold() | ExpireHold():
            return CalendarScope(ids=(command.hold_id,))
        case CancelBooking():
            return CalendarScope(ids=(command.booking_id,))
        case StartTrip():
            return CalendarScope(ids=(command.booking_id,))
        case EndTrip():
            return CalendarScope(ids=(command.trip_id,))
        case CompleteMaintenance():
            return CalendarScope(ids=(command.maintenance_id,))
        case RetireVehicle():
            return CalendarScope(live_at=now)
    return CalendarScope()


def _created_id(command: BookVehicle | PlaceHold | ScheduleMaintenance) -> UUID:
    if isinstance(command, BookVehicle):
        return command.booking_id
    if isinstance(command, PlaceHold):
        return command.hold_id
    return command.maintenance_id
