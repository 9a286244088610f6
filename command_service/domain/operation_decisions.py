"""Decisions on operating the vehicle: trips and maintenance windows."""

from __future__ import annotations

from command_service.domain.commands import (
    CompleteMaintenance,
    EndTrip,
    ScheduleMaintenance,
    StartTrip,
)
from command_service.domain.context import (
    Context,
    get_booking,
    get_maintenance,
    get_trip,
    require_free,
    require_unused,
)
from command_service.domain.errors import (
    MaintenanceAlreadyCompletedError,
    OdometerError,
    TripAlreadyEndedError,
    TripNotAllowedError,
)
from command_service.domain.rules import TRIP_GRACE, check_maintenance_window, check_odometer
from command_service.domain.state import Booking
from shared.contract.events import (
    BookingCompleted,
    Event,
    MaintenanceCompleted,
    MaintenanceScheduled,
    TripEnded,
    TripStarted,
    as_utc,
)


def _check_odometer_at_least(reading: int, recorded: int) -> None:
    """Raise unless the reading is valid and not below the recorded one."""
    check_odometer(reading)
    if reading < recorded:
        raise OdometerError(f"odometer reading {reading} km is below the recorded {recorded} km")


def _check_trip_can_start(ctx: Context, booking: Booking) -> None:
    """Raise TripNotAllowedError unless a trip may start on the booking now."""
    if booking.status != "confirmed":
        raise TripNotAllowedError(f"the booking was {booking.status}")
    if booking.trip_id is not None:
        raise TripNotAllowedError("the booking already has a trip")
    if not booking.start - TRIP_GRACE <= ctx.now < booking.end + TRIP_GRACE:
        raise TripNotAllowedError("outside the booking window (15 minutes grace)")
    # A trip still running (the operator moved the vehicle meanwhile) keeps it busy too.
    if ctx.state.status != "available" or any(t.running for t in ctx.state.trips):
        raise TripNotAllowedError("vehicle not available")


def start_trip(ctx: Context, command: StartTrip) -> list[Event]:
    """TripStarted on a confirmed booking, inside its window, on an available vehicle."""
    booking = get_booking(ctx.state, command.booking_id, command.by)
    require_unused(ctx.state.trips, lambda t: t.trip_id, command.trip_id)
    _check_trip_can_start(ctx, booking)
    _check_odometer_at_least(command.odometer_km, ctx.state.odometer_km)
    started = TripStarted(
        **ctx.envelope(),
        trip_id=command.trip_id,
        booking_id=booking.booking_id,
        customer_id=booking.customer_id,
        odometer_km=command.odometer_km,
    )
    return [started]


def end_trip(ctx: Context, command: EndTrip) -> list[Event]:
    """TripEnded with distance and duration, and BookingCompleted for its booking."""
    trip = get_trip(ctx.state, command.trip_id, command.by)
    if not trip.running:
        raise TripAlreadyEndedError("the trip has ended already")
    recorded = max(trip.start_odometer_km, ctx.state.odometer_km)
    _check_odometer_at_least(command.odometer_km, recorded)
    ended = TripEnded(
        **ctx.envelope(1),
        trip_id=trip.trip_id,
        booking_id=trip.booking_id,
        odometer_km=command.odometer_km,
        distance_km=command.odometer_km - trip.start_odometer_km,
        duration_s=int((ctx.now - trip.started_at).total_seconds()),
    )
    completed = BookingCompleted(
        **ctx.envelope(2), booking_id=trip.booking_id, trip_id=trip.trip_id
    )
    return [ended, completed]


def schedule_maintenance(ctx: Context, command: ScheduleMaintenance) -> list[Event]:
    """MaintenanceScheduled for a free window (inactive vehicles included)."""
    check_maintenance_window(command.start, command.end, ctx.now)
    require_unused(ctx.state.maintenance, lambda m: m.maintenance_id, command.maintenance_id)
    require_free(ctx, command.start, command.end)
    scheduled = MaintenanceScheduled(
        **ctx.envelope(),
        maintenance_id=command.maintenance_id,
        start=as_utc(command.start),
        end=as_utc(command.end),
        reason=command.reason,
    )
    return [scheduled]


def complete_maintenance(ctx: Context, command: CompleteMaintenance) -> list[Event]:
    """MaintenanceCompleted: odometer recorded, service counter reset, rest of window freed."""
    window = get_maintenance(ctx.state, command.maintenance_id)
    if window.completed_at is not None:
        raise MaintenanceAlreadyCompletedError("the maintenance was completed already")
    _check_odometer_at_least(command.odometer_km, ctx.state.odometer_km)
    completed = MaintenanceCompleted(
        **ctx.envelope(), maintenance_id=window.maintenance_id, odometer_km=command.odometer_km
    )
    return [completed]
