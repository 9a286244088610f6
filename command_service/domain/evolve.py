"""evolve and fold: the vehicle state after its events."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import replace
from typing import Any, TypeVar
from uuid import UUID

from command_service.domain.state import (
    Booking,
    Hold,
    HoldResolution,
    Maintenance,
    Trip,
    VehicleState,
    find,
    insert_by_start,
    replace_at,
)
from shared.contract.events import (
    BookingCancelled,
    BookingCompleted,
    BookingConfirmed,
    Event,
    HoldConfirmed,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
    MaintenanceCompleted,
    MaintenanceScheduled,
    TripEnded,
    TripStarted,
    VehicleDetailsUpdated,
    VehicleRegistered,
    VehicleRetired,
    VehicleStatusChanged,
)

_DETAIL_FIELDS = (
    "plate",
    "make",
    "model",
    "seats",
    "hourly_rate_cents",
    "daily_rate_cents",
    "currency",
    "home",
    "location_id",
)


class CorruptStreamError(ValueError):
    """The events do not form a valid stream (missing registration, version gap)."""


def registered(event: VehicleRegistered) -> VehicleState:
    """The state a registration starts."""
    return VehicleState(
        vehicle_id=event.vehicle_id,
        version=event.version,
        status="available",
        retired=False,
        vin=event.vin,
        plate=event.plate,
        make=event.make,
        model=event.model,
        year=event.year,
        seats=event.seats,
        hourly_rate_cents=event.hourly_rate_cents,
        daily_rate_cents=event.daily_rate_cents,
        currency=event.currency,
        odometer_km=event.odometer_km,
        km_at_last_service=event.odometer_km,
        last_service_at=event.occurred_at,
        home=event.home,
        organization_id=event.organization_id,
        location_id=event.location_id,
    )


D = TypeVar("D", Hold, Booking, Trip, Maintenance)


def _update(
    items: tuple[D, ...], key: Callable[[D], UUID], wanted: UUID, **changes: Any
) -> tuple[D, ...]:
    """`items` with the record `wanted` changed; unchanged if pruned away already."""
    index = find(items, key, wanted)
    if index is None:
        return items
    return replace_at(items, index, replace(items[index], **changes))


def _hold_id(hold: Hold) -> UUID:
    return hold.hold_id


def _booking_id(booking: Booking) -> UUID:
    return booking.booking_id


def _trip_id(trip: Trip) -> UUID:
    return trip.trip_id


def _maintenance_id(window: Maintenance) -> UUID:
    return window.maintenance_id


def _details_updated(state: VehicleState, event: VehicleDetailsUpdated) -> VehicleState:
    changes = {name: getattr(event, name) for name in _DETAIL_FIELDS}
    return replace(state, **{name: value for name, value in changes.items() if value is not None})


def _status_changed(state: VehicleState, event: VehicleStatusChanged) -> VehicleState:
    return replace(state, status=event.to_status)


def _retired(state: VehicleState, event: VehicleRetired) -> VehicleState:
    return replace(state, retired=True)


def _hold_placed(state: VehicleState, event: HoldPlaced) -> VehicleState:
    hold = Hold(
        hold_id=event.hold_id,
        customer_id=event.customer_id,
        start=event.start,
        end=event.end,
        expires_at=event.expires_at,
        price_cents=event.price_cents,
        currency=event.currency,
        purpose=event.purpose,
        cost_centre=event.cost_centre,
        pricing=event.pricing,
    )
    return replace(state, holds=insert_by_start(state.holds, hold, _hold_id))


def _resolve_hold(state: VehicleState, hold_id: UUID, resolution: HoldResolution) -> VehicleState:
    return replace(state, holds=_update(state.holds, _hold_id, hold_id, resolution=resolution))


def _hold_confirmed(state: VehicleState, event: HoldConfirmed) -> VehicleState:
    return _resolve_hold(state, event.hold_id, "confirmed")


def _hold_released(state: VehicleState, event: HoldReleased) -> VehicleState:
    return _resolve_hold(state, event.hold_id, "released")


def _hold_expired(state: VehicleState, event: HoldExpired) -> VehicleState:
    return _resolve_hold(state, event.hold_id, "expired")


def _booking_confirmed(state: VehicleState, event: BookingConfirmed) -> VehicleState:
    booking = Booking(
        booking_id=event.booking_id,
        customer_id=event.customer_id,
        start=event.start,
        end=event.end,
        price_cents=event.price_cents,
        currency=event.currency,
        purpose=event.purpose,
        cost_centre=event.cost_centre,
        hold_id=event.hold_id,
        pricing=event.pricing,
    )
    return replace(state, bookings=insert_by_start(state.bookings, booking, _booking_id))


def _booking_cancelled(state: VehicleState, event: BookingCancelled) -> VehicleState:
    bookings = _update(state.bookings, _booking_id, event.booking_id, status="cancelled")
    return replace(state, bookings=bookings)


def _booking_completed(state: VehicleState, event: BookingCompleted) -> VehicleState:
    bookings = _update(state.bookings, _booking_id, event.booking_id, status="completed")
    return replace(state, bookings=bookings)


def _trip_started(state: VehicleState, event: TripStarted) -> VehicleState:
    trip = Trip(
        trip_id=event.trip_id,
        booking_id=event.booking_id,
        customer_id=event.customer_id,
        start_odometer_km=event.odometer_km,
        started_at=event.occurred_at,
    )
    bookings = _update(state.bookings, _booking_id, event.booking_id, trip_id=event.trip_id)
    return replace(
        state,
        trips=(*state.trips, trip),
        bookings=bookings,
        status="in_use",
        odometer_km=event.odometer_km,
    )


def _trip_ended(state: VehicleState, event: TripEnded) -> VehicleState:
    trips = _update(
        state.trips,
        _trip_id,
        event.trip_id,
        end_odometer_km=event.odometer_km,
        ended_at=event.occurred_at,
    )
    status = "available" if state.status == "in_use" else state.status
    return replace(state, trips=trips, status=status, odometer_km=event.odometer_km)


def _maintenance_scheduled(state: VehicleState, event: MaintenanceScheduled) -> VehicleState:
    window = Maintenance(
        maintenance_id=event.maintenance_id,
        start=event.start,
        end=event.end,
        reason=event.reason,
    )
    windows = insert_by_start(state.maintenance, window, _maintenance_id)
    return replace(state, maintenance=windows)


def _maintenance_completed(state: VehicleState, event: MaintenanceCompleted) -> VehicleState:
    windows = _update(
        state.maintenance,
        _maintenance_id,
        event.maintenance_id,
        completed_at=event.occurred_at,
        odometer_km=event.odometer_km,
    )
    return replace(
        state,
        maintenance=windows,
        odometer_km=event.odometer_km,
        km_at_last_service=event.odometer_km,
        last_service_at=event.occurred_at,
    )


_HANDLERS: dict[type[Event], Callable[[VehicleState, Any], VehicleState]] = {
    VehicleDetailsUpdated: _details_updated,
    VehicleStatusChanged: _status_changed,
    VehicleRetired: _retired,
    HoldPlaced: _hold_placed,
    HoldConfirmed: _hold_confirmed,
    HoldReleased: _hold_released,
    HoldExpired: _hold_expired,
    BookingConfirmed: _booking_confirmed,
    BookingCancelled: _booking_cancelled,
    BookingCompleted: _booking_completed,
    TripStarted: _trip_started,
    TripEnded: _trip_ended,
    MaintenanceScheduled: _maintenance_scheduled,
    MaintenanceCompleted: _maintenance_completed,
}


def evolve(state: VehicleState | None, event: Event) -> VehicleState:
    """The state after `event`; raises CorruptStreamError if it cannot follow `state`."""
    if isinstance(event, VehicleRegistered):
        if state is not None or event.version != 1:
            raise CorruptStreamError("a registration must start the stream at version 1")
        return registered(event)
    if state is None:
        raise CorruptStreamError(f"{type(event).__name__} before VehicleRegistered")
    if event.version != state.version + 1:
        raise CorruptStreamError(f"version {event.version} cannot follow {state.version}")
    return replace(_HANDLERS[type(event)](state, event), version=event.version)


def fold(events: Iterable[Event], state: VehicleState | None = None) -> VehicleState | None:
    """The state after applying `events`, in order, to `state`."""
    for event in events:
        state = evolve(state, event)
    return state
