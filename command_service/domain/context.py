"""What a decision sees (state, clock reading, id source) and the lookups it shares."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol, TypedDict, TypeVar
from uuid import UUID

from command_service.domain.actor import SYSTEM, Actor
from command_service.domain.calendar import overlapping
from command_service.domain.errors import (
    IdAlreadyUsedError,
    OverlappingBlockError,
    UnknownEntityError,
    VehicleInactiveError,
)
from command_service.domain.state import Booking, Hold, Maintenance, Trip, VehicleState, find
from shared.contract.events import as_utc

R = TypeVar("R")


class Envelope(TypedDict):
    """The envelope fields every produced event carries."""

    event_id: UUID
    vehicle_id: UUID
    version: int
    occurred_at: datetime
    organization_id: UUID


@dataclass(frozen=True)
class Context:
    """One decision's inputs: the current state, the clock reading and the id source."""

    state: VehicleState
    now: datetime
    new_id: Callable[[], UUID]

    def envelope(self, position: int = 1) -> Envelope:
        """Envelope of the `position`-th (1-based) event this decision produces."""
        return Envelope(
            event_id=self.new_id(),
            vehicle_id=self.state.vehicle_id,
            version=self.state.version + position,
            occurred_at=as_utc(self.now),
            organization_id=self.state.organization_id,
        )


class _Owned(Protocol):
    @property
    def customer_id(self) -> UUID: ...


OwnedT = TypeVar("OwnedT", bound=_Owned)


def _get(items: tuple[R, ...], key: Callable[[R], UUID], wanted: UUID, what: str) -> R:
    index = find(items, key, wanted)
    if index is None:
        raise UnknownEntityError.of(what, wanted)
    return items[index]


def _visible(record: OwnedT, by: Actor, what: str, wanted: UUID) -> OwnedT:
    """The record, or the very refusal an unknown id gets: another customer's record
    does not exist for a customer (its existence is not revealed)."""
    if not by.may_act_for(record.customer_id):
        raise UnknownEntityError.of(what, wanted)
    return record


def get_hold(state: VehicleState, hold_id: UUID, by: Actor = SYSTEM) -> Hold:
    """The hold with that id the actor may see, or UnknownEntityError."""
    return _visible(_get(state.holds, lambda h: h.hold_id, hold_id, "hold"), by, "hold", hold_id)


def get_booking(state: VehicleState, booking_id: UUID, by: Actor = SYSTEM) -> Booking:
    """The booking with that id the actor may see, or UnknownEntityError."""
    found = _get(state.bookings, lambda b: b.booking_id, booking_id, "booking")
    return _visible(found, by, "booking", booking_id)


def get_trip(state: VehicleState, trip_id: UUID, by: Actor = SYSTEM) -> Trip:
    """The trip with that id the actor may see, or UnknownEntityError."""
    return _visible(_get(state.trips, lambda t: t.trip_id, trip_id, "trip"), by, "trip", trip_id)


def get_maintenance(state: VehicleState, maintenance_id: UUID) -> Maintenance:
    """The maintenance window with that id, or UnknownEntityError."""
    return _get(state.maintenance, lambda m: m.maintenance_id, maintenance_id, "maintenance")


def require_unused(items: tuple[R, ...], key: Callable[[R], UUID], wanted: UUID) -> None:
    """Raise IdAlreadyUsedError if a record of the vehicle already has that id."""
    if find(items, key, wanted) is not None:
        raise IdAlreadyUsedError(f"id {wanted} is already used on this vehicle")


def require_active(state: VehicleState) -> None:
    """Raise VehicleInactiveError if the vehicle is inactive."""
    if state.status == "inactive":
        raise VehicleInactiveError("the vehicle is inactive")


def require_free(ctx: Context, start: datetime, end: datetime) -> None:
    """Raise OverlappingBlockError, naming every block in the way, if [start, end) is taken."""
    conflicts = overlapping(ctx.state, start, end, ctx.now)
    if conflicts:
        raise OverlappingBlockError(
            f"[{as_utc(start).isoformat()}, {as_utc(end).isoformat()}) overlaps "
            f"{len(conflicts)} block(s)",
            conflicts,
        )
