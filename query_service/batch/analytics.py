"""The rebuild's fold of the analytics read models: what projections/usage.py,
booking_stats.py and service_health.py do per event in SQL, done to buffered rows and
summed bucket deltas (docs/analytics.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from query_service.batch.page import Batch
from query_service.batch.rows import Fold
from query_service.projections.service_health import SERVICE_INTERVAL_KM
from query_service.projections.spans import DAY, HOUR, buckets, floor_to, slice_of
from query_service.projections.usage import BOOKED, DOWN_STATUSES, DRIVEN, UNBOOKED, UP
from shared import events as ev


def add_span(
    b: Batch, vehicle_id: UUID, span: tuple[datetime, datetime], weights: tuple[int, int, int]
) -> None:
    """spans.add_span: the span's seconds times `weights` on hour, day and fleet rows."""
    start, end = span
    if end <= start:
        return
    booked, driven, up = weights
    fleet_slice = slice_of(vehicle_id)
    # Value columns of the three bucket tables: booked_s, driven_s, up_s.
    for hour, s in zip(*buckets(start, end, HOUR), strict=True):
        amounts = (s * booked, s * driven, s * up)
        b.hours.add_row((vehicle_id, hour), amounts)
        b.fleet_hours.add_row((hour, fleet_slice), amounts)
    for day, s in zip(*buckets(start, end, DAY), strict=True):
        b.days.add_row((vehicle_id, day), (s * booked, s * driven, s * up))


def _registered(b: Batch, e: ev.VehicleRegistered) -> None:
    b.usage.insert(e.vehicle_id, slice=slice_of(e.vehicle_id), registered_at=e.occurred_at,
                   in_service_since=e.occurred_at)  # fmt: skip
    b.service.insert(e.vehicle_id, retired=False, odometer_km=e.odometer_km,
                     km_at_service=e.odometer_km, last_service_at=e.occurred_at,
                     trips_since_service=0, trip_seconds_since_service=0)  # fmt: skip


def _close_service(b: Batch, vehicle_id: UUID, at: datetime, retired: bool = False) -> None:
    row = b.usage.get(vehicle_id)
    if row is None:
        return
    since = row["in_service_since"]
    b.usage.update(vehicle_id, in_service_since=None,
                   retired_at=at if retired else row["retired_at"])  # fmt: skip
    if since is not None:
        add_span(b, vehicle_id, (since, at), UP)


def _status_changed(b: Batch, e: ev.VehicleStatusChanged) -> None:
    row = b.usage.get(e.vehicle_id)
    if e.to_status in DOWN_STATUSES:
        _close_service(b, e.vehicle_id, e.occurred_at)
    elif row is not None and row["in_service_since"] is None and row["retired_at"] is None:
        b.usage.update(e.vehicle_id, in_service_since=e.occurred_at)


def _retired(b: Batch, e: ev.VehicleRetired) -> None:
    _close_service(b, e.vehicle_id, e.occurred_at, retired=True)
    b.service.update(e.vehicle_id, retired=True)


def _cohort(b: Batch, e: ev.BookingCancelled | ev.BookingCompleted | ev.TripStarted) -> Any:
    """The booking's (start hour, slice, currency) bucket, read from its buffered row."""
    row = b.bookings.get(e.booking_id)
    if row is None:
        return ()
    return floor_to(row["start_at"], HOUR), slice_of(e.vehicle_id), row["currency"]


def _booking_confirmed(b: Batch, e: ev.BookingConfirmed) -> None:
    add_span(b, e.vehicle_id, (e.start, e.end), BOOKED)
    hour = floor_to(e.start, HOUR)
    b.fleet_bookings.add(
        (hour, slice_of(e.vehicle_id), e.currency), bookings=1, booked_cents=e.price_cents,
        lead_s=int((e.start - e.occurred_at).total_seconds()),
        duration_s=int((e.end - e.start).total_seconds()),
    )  # fmt: skip
    b.vehicle_bookings.add((e.vehicle_id, hour, e.currency), bookings=1,
                           booked_cents=e.price_cents)  # fmt: skip


def _booking_cancelled(b: Batch, e: ev.BookingCancelled) -> None:
    row = b.bookings.get(e.booking_id)
    if row is None:
        return
    add_span(b, e.vehicle_id, (row["start_at"], row["end_at"]), UNBOOKED)
    hour, fleet_slice, currency = _cohort(b, e)
    b.fleet_bookings.add((hour, fleet_slice, currency), cancelled=1,
                         refunded_cents=e.refund_cents)  # fmt: skip
    b.vehicle_bookings.add((e.vehicle_id, hour, currency), cancelled=1,
                           refunded_cents=e.refund_cents)  # fmt: skip


def _booking_completed(b: Batch, e: ev.BookingCompleted) -> None:
    if cohort := _cohort(b, e):
        b.fleet_bookings.add(cohort, completed=1)


def _odometer(b: Batch, e: ev.TripStarted | ev.TripEnded) -> dict[str, Any]:
    """service_health._ODOMETER: the new reading, and when the km interval ran out."""
    row = b.service.get(e.vehicle_id)
    if row is None:
        return {}
    odometer = max(row["odometer_km"], e.odometer_km)
    due = row["km_due_at"]
    if due is None and odometer - row["km_at_service"] >= SERVICE_INTERVAL_KM:
        due = e.occurred_at
    return {"odometer_km": odometer, "km_due_at": due}


def _trip_started(b: Batch, e: ev.TripStarted) -> None:
    b.usage.update(e.vehicle_id, trip_id=e.trip_id, trip_started_at=e.occurred_at)
    if cohort := _cohort(b, e):
        b.fleet_bookings.add(cohort, trips=1)
    b.service.update(e.vehicle_id, **_odometer(b, e))


def _trip_ended(b: Batch, e: ev.TripEnded) -> None:
    row = b.usage.get(e.vehicle_id)
    if row is not None and row["trip_id"] == e.trip_id:
        started = row["trip_started_at"]
        b.usage.update(e.vehicle_id, trip_id=None, trip_started_at=None)
        if started is not None:
            add_span(b, e.vehicle_id, (started, e.occurred_at), DRIVEN)
    service = b.service.get(e.vehicle_id)
    if service is not None:
        b.service.update(
            e.vehicle_id, **_odometer(b, e), trips_since_service=service["trips_since_service"] + 1,
            trip_seconds_since_service=service["trip_seconds_since_service"] + e.duration_s,
        )  # fmt: skip


def _serviced(b: Batch, e: ev.MaintenanceCompleted) -> None:
    b.service.update(e.vehicle_id, odometer_km=e.odometer_km, km_at_service=e.odometer_km,
                     last_service_at=e.occurred_at, trips_since_service=0,
                     trip_seconds_since_service=0, km_due_at=None)  # fmt: skip


ANALYTICS: dict[type[ev.Event], Fold] = {
    ev.VehicleRegistered: _registered,
    ev.VehicleStatusChanged: _status_changed,
    ev.VehicleRetired: _retired,
    ev.BookingConfirmed: _booking_confirmed,
    ev.BookingCancelled: _booking_cancelled,
    ev.BookingCompleted: _booking_completed,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
    ev.MaintenanceCompleted: _serviced,
}
