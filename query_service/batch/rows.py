"""The rebuild's fold of the entity read models (vehicles, calendar_blocks, bookings, holds,
trips, maintenance): each function does to the buffered row what the per-event handler of
the same name in query_service/projections/ does in SQL."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from asyncpg import Range

from query_service.batch.page import Batch
from shared import events as ev

Fold = Callable[[Batch, Any], object]


def _vehicle_registered(b: Batch, e: ev.VehicleRegistered) -> None:
    b.vehicles.insert(
        e.vehicle_id, vin=e.vin, plate=e.plate, make=e.make, model=e.model, year=e.year,
        seats=e.seats, hourly_rate_cents=e.hourly_rate_cents,
        daily_rate_cents=e.daily_rate_cents, currency=e.currency,
        home_lat=e.home.lat if e.home else None, home_lon=e.home.lon if e.home else None,
        status="available", retired=False, odometer_km=e.odometer_km,
        km_at_last_service=e.odometer_km, last_service_at=e.occurred_at, version=e.version,
        registered_at=e.occurred_at, updated_at=e.occurred_at,
    )  # fmt: skip


def _vehicle_details(b: Batch, e: ev.VehicleDetailsUpdated) -> None:
    row = b.vehicles.get(e.vehicle_id)
    if row is None:
        return
    given = {
        "plate": e.plate, "make": e.make, "model": e.model, "seats": e.seats,
        "hourly_rate_cents": e.hourly_rate_cents, "daily_rate_cents": e.daily_rate_cents,
        "currency": e.currency, "home_lat": e.home.lat if e.home else None,
        "home_lon": e.home.lon if e.home else None,
    }  # fmt: skip
    changed = {k: v for k, v in given.items() if v is not None}  # coalesce($n, column)
    b.vehicles.update(e.vehicle_id, **changed, version=e.version, updated_at=e.occurred_at)


def _vehicle_status(b: Batch, e: ev.VehicleStatusChanged) -> None:
    b.vehicles.update(e.vehicle_id, status=e.to_status, version=e.version,
                      updated_at=e.occurred_at)  # fmt: skip


def _vehicle_retired(b: Batch, e: ev.VehicleRetired) -> None:
    b.vehicles.update(e.vehicle_id, status="retired", retired=True, retired_at=e.occurred_at,
                      version=e.version, updated_at=e.occurred_at)  # fmt: skip


def _vehicle_trip_started(b: Batch, e: ev.TripStarted) -> None:
    b.vehicles.update(
        e.vehicle_id, status="in_use", current_trip_id=e.trip_id,
        current_booking_id=e.booking_id, odometer_km=e.odometer_km, version=e.version,
        updated_at=e.occurred_at,
    )  # fmt: skip


def _vehicle_trip_ended(b: Batch, e: ev.TripEnded) -> None:
    row = b.vehicles.get(e.vehicle_id)
    if row is None:
        return
    status = "available" if row["status"] == "in_use" else row["status"]
    b.vehicles.update(e.vehicle_id, status=status, current_trip_id=None,
                      current_booking_id=None, odometer_km=e.odometer_km, version=e.version,
                      updated_at=e.occurred_at)  # fmt: skip


def _vehicle_serviced(b: Batch, e: ev.MaintenanceCompleted) -> None:
    b.vehicles.update(e.vehicle_id, odometer_km=e.odometer_km, km_at_last_service=e.odometer_km,
                      last_service_at=e.occurred_at, version=e.version,
                      updated_at=e.occurred_at)  # fmt: skip


def _vehicle_touched(b: Batch, e: ev.Event) -> None:
    b.vehicles.update(e.vehicle_id, version=e.version, updated_at=e.occurred_at)


def _block(b: Batch, e: Any, block_id: Any, kind: str, expires_at: Any = None) -> None:
    period = Range(e.start, e.end, upper_inc=False)  # tstzrange(start, end, '[)')
    b.calendar.insert(block_id, vehicle_id=e.vehicle_id, kind=kind, period=period,
                      expires_at=expires_at)  # fmt: skip


def _block_trimmed(b: Batch, e: ev.MaintenanceCompleted) -> None:
    """Trim the window to [start, min(end, completed_at)); drop it if nothing is left."""
    row = b.calendar.get(e.maintenance_id)
    if row is None:
        return
    lower, upper = row["period"].lower, row["period"].upper
    if lower < e.occurred_at < upper:
        period = Range(lower, e.occurred_at, upper_inc=False)
        b.calendar.update(e.maintenance_id, period=period)
    elif lower >= e.occurred_at:
        b.calendar.delete(e.maintenance_id)


def _booking_confirmed(b: Batch, e: ev.BookingConfirmed) -> None:
    b.bookings.insert(
        e.booking_id, vehicle_id=e.vehicle_id, customer_id=e.customer_id, hold_id=e.hold_id,
        start_at=e.start, end_at=e.end, price_cents=e.price_cents, currency=e.currency,
        purpose=e.purpose, status="confirmed", confirmed_at=e.occurred_at,
        updated_at=e.occurred_at,
    )  # fmt: skip


def _booking_cancelled(b: Batch, e: ev.BookingCancelled) -> None:
    b.bookings.update(e.booking_id, status="cancelled", cancelled_at=e.occurred_at,
                      cancel_reason=e.reason, refund_cents=e.refund_cents,
                      refund_percent=e.refund_percent, updated_at=e.occurred_at)  # fmt: skip


def _booking_completed(b: Batch, e: ev.BookingCompleted) -> None:
    b.bookings.update(e.booking_id, status="completed", completed_at=e.occurred_at,
                      trip_id=e.trip_id, updated_at=e.occurred_at)  # fmt: skip


def _booking_trip(b: Batch, e: ev.TripStarted) -> None:
    b.bookings.update(e.booking_id, trip_id=e.trip_id, updated_at=e.occurred_at)


def _hold_placed(b: Batch, e: ev.HoldPlaced) -> None:
    b.holds.insert(
        e.hold_id, vehicle_id=e.vehicle_id, customer_id=e.customer_id, start_at=e.start,
        end_at=e.end, expires_at=e.expires_at, price_cents=e.price_cents, currency=e.currency,
        status="active", placed_at=e.occurred_at, updated_at=e.occurred_at,
    )  # fmt: skip


def _hold_resolved(status: str) -> Fold:
    def fold(b: Batch, e: Any) -> None:
        booking_id = e.booking_id if status == "confirmed" else None
        b.holds.update(e.hold_id, status=status, booking_id=booking_id,
                       resolved_at=e.occurred_at, updated_at=e.occurred_at)  # fmt: skip

    return fold


def _trip_started(b: Batch, e: ev.TripStarted) -> None:
    b.trips.insert(e.trip_id, vehicle_id=e.vehicle_id, booking_id=e.booking_id,
                   customer_id=e.customer_id, status="running", started_at=e.occurred_at,
                   start_odometer_km=e.odometer_km, updated_at=e.occurred_at)  # fmt: skip


def _trip_ended(b: Batch, e: ev.TripEnded) -> None:
    b.trips.update(e.trip_id, status="ended", ended_at=e.occurred_at,
                   end_odometer_km=e.odometer_km, distance_km=e.distance_km,
                   duration_s=e.duration_s, updated_at=e.occurred_at)  # fmt: skip


def _maintenance_scheduled(b: Batch, e: ev.MaintenanceScheduled) -> None:
    b.maintenance.insert(e.maintenance_id, vehicle_id=e.vehicle_id, start_at=e.start,
                         end_at=e.end, reason=e.reason, status="scheduled",
                         scheduled_at=e.occurred_at, updated_at=e.occurred_at)  # fmt: skip


def _maintenance_completed(b: Batch, e: ev.MaintenanceCompleted) -> None:
    b.maintenance.update(e.maintenance_id, status="completed", completed_at=e.occurred_at,
                         odometer_km=e.odometer_km, updated_at=e.occurred_at)  # fmt: skip


VEHICLES: dict[type[ev.Event], Fold] = {
    ev.VehicleRegistered: _vehicle_registered,
    ev.VehicleDetailsUpdated: _vehicle_details,
    ev.VehicleStatusChanged: _vehicle_status,
    ev.VehicleRetired: _vehicle_retired,
    ev.TripStarted: _vehicle_trip_started,
    ev.TripEnded: _vehicle_trip_ended,
    ev.MaintenanceCompleted: _vehicle_serviced,
}
VEHICLES.update({t: _vehicle_touched for t in ev.EVENT_TYPES.values() if t not in VEHICLES})
CALENDAR: dict[type[ev.Event], Fold] = {
    ev.HoldPlaced: lambda b, e: _block(b, e, e.hold_id, "hold", e.expires_at),
    ev.HoldConfirmed: lambda b, e: b.calendar.delete(e.hold_id),
    ev.HoldReleased: lambda b, e: b.calendar.delete(e.hold_id),
    ev.HoldExpired: lambda b, e: b.calendar.delete(e.hold_id),
    ev.BookingConfirmed: lambda b, e: _block(b, e, e.booking_id, "booking"),
    ev.BookingCancelled: lambda b, e: b.calendar.delete(e.booking_id),
    ev.BookingCompleted: lambda b, e: b.calendar.delete(e.booking_id),
    ev.MaintenanceScheduled: lambda b, e: _block(b, e, e.maintenance_id, "maintenance"),
    ev.MaintenanceCompleted: _block_trimmed,
}
ENTITIES: dict[type[ev.Event], Fold] = {
    ev.BookingConfirmed: _booking_confirmed,
    ev.BookingCancelled: _booking_cancelled,
    ev.BookingCompleted: _booking_completed,
    ev.TripStarted: _booking_trip,
    ev.HoldPlaced: _hold_placed,
    ev.HoldConfirmed: _hold_resolved("confirmed"),
    ev.HoldReleased: _hold_resolved("released"),
    ev.HoldExpired: _hold_resolved("expired"),
    ev.MaintenanceScheduled: _maintenance_scheduled,
    ev.MaintenanceCompleted: _maintenance_completed,
}
# TripStarted touches bookings and trips: the trip handlers get their own table.
TRIPS: dict[type[ev.Event], Fold] = {ev.TripStarted: _trip_started, ev.TripEnded: _trip_ended}
