"""Read models of booked, driven and in-service time (docs/analytics.md):
`analytics_vehicle_spans` (one row per span and vehicle), `analytics_vehicle_days`,
`analytics_fleet_hours` (per fleet slice) and `analytics_vehicles` (the open intervals).

In service = registered, not retired, status neither `maintenance` nor `inactive`. An
in-service interval is written when it closes (status change, retirement); the open one
stays in `analytics_vehicles.in_service_since` and is added at read time. Driven time is
written when a trip ends; a running trip is added at read time.

Why spans and not vehicle-hour rows: a 1-48 h booking covers ~25 hours, and one row per
vehicle and hour made a rebuild write ~25 rows per booking. A span is one row; one
vehicle's hourly figures are cut from its few spans at read time. Fleet hours keep the
partial first and last hour of a span and two edges for the whole hours between (a
reader sums the edges before its window), so a booking writes ~3 fleet rows, not ~25.
"""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from query_service.read_models.bookings import BOOKINGS
from query_service.read_models.page import Fold, Page
from query_service.read_models.spans import DAY, HOUR, slice_of
from query_service.read_models.tables import Rows, Sums
from shared.contract import events as ev

USAGE = Rows("analytics_vehicles", "vehicle_id", ids=("vehicle_id",))
# Value columns of the three tables, in this order: booked_s, driven_s, up_s.
SPANS = Sums("analytics_vehicle_spans", ("vehicle_id", "start_at", "end_at"))
DAYS = Sums("analytics_vehicle_days", ("vehicle_id", "day"), bucket=("day", DAY))
FLEET_HOURS = Sums("analytics_fleet_hours", ("hour", "slice"), bucket=("hour", HOUR), edges=True)
TABLES = (USAGE, SPANS, DAYS, FLEET_HOURS)

Weights = tuple[int, int, int]  # (booked, driven, in service): each -1, 0 or 1
BOOKED, DRIVEN, UP = (1, 0, 0), (0, 1, 0), (0, 0, 1)
UNBOOKED = (-1, 0, 0)
DOWN_STATUSES = ("maintenance", "inactive")


def add_span(p: Page, vehicle_id: UUID, start: datetime, end: datetime, weights: Weights) -> None:
    """`weights` times the span's seconds: one span row, its day rows, its fleet hours."""
    if end <= start:
        return
    seconds = int((end - start).total_seconds())
    p[SPANS].add_row((vehicle_id, start, end), [seconds * w for w in weights])
    p[DAYS].spread((vehicle_id,), start, end, weights)
    p[FLEET_HOURS].spread((slice_of(vehicle_id),), start, end, weights)


def _registered(p: Page, e: ev.VehicleRegistered) -> None:
    p[USAGE].insert(e.vehicle_id, slice=slice_of(e.vehicle_id), registered_at=e.occurred_at,
                    in_service_since=e.occurred_at)  # fmt: skip


def _close_service(p: Page, vehicle_id: UUID, at: datetime, retired: bool = False) -> None:
    """End the open in-service interval at `at` and write it."""
    row = p[USAGE].get(vehicle_id)
    if row is None:
        return
    since = row["in_service_since"]
    p[USAGE].update(vehicle_id, in_service_since=None,
                    retired_at=at if retired else row["retired_at"])  # fmt: skip
    if since is not None:
        add_span(p, vehicle_id, since, at, UP)


def _status_changed(p: Page, e: ev.VehicleStatusChanged) -> None:
    row = p[USAGE].get(e.vehicle_id)
    if e.to_status in DOWN_STATUSES:
        _close_service(p, e.vehicle_id, e.occurred_at)
    elif row is not None and row["in_service_since"] is None and row["retired_at"] is None:
        p[USAGE].update(e.vehicle_id, in_service_since=e.occurred_at)


def _retired(p: Page, e: ev.VehicleRetired) -> None:
    _close_service(p, e.vehicle_id, e.occurred_at, retired=True)


def _booking_confirmed(p: Page, e: ev.BookingConfirmed) -> None:
    add_span(p, e.vehicle_id, e.start, e.end, BOOKED)


def _booking_cancelled(p: Page, e: ev.BookingCancelled) -> None:
    row = p[BOOKINGS].get(e.booking_id)
    if row is not None:
        add_span(p, e.vehicle_id, row["start_at"], row["end_at"], UNBOOKED)


def _trip_started(p: Page, e: ev.TripStarted) -> None:
    p[USAGE].update(e.vehicle_id, trip_id=e.trip_id, trip_started_at=e.occurred_at)


def _trip_ended(p: Page, e: ev.TripEnded) -> None:
    row = p[USAGE].get(e.vehicle_id)
    if row is None or row["trip_id"] != e.trip_id:
        return
    started = row["trip_started_at"]
    p[USAGE].update(e.vehicle_id, trip_id=None, trip_started_at=None)
    if started is not None:
        add_span(p, e.vehicle_id, started, e.occurred_at, DRIVEN)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.VehicleRegistered: _registered,
    ev.VehicleStatusChanged: _status_changed,
    ev.VehicleRetired: _retired,
    ev.BookingConfirmed: _booking_confirmed,
    ev.BookingCancelled: _booking_cancelled,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
}
