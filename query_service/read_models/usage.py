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
from query_service.read_models.spans import DAY, HOUR, location_key, micros, slice_of
from query_service.read_models.tables import Rows, Sums
from shared.contract import events as ev

USAGE = Rows("analytics_vehicles", "vehicle_id", ids=("vehicle_id",))
# Value columns of the three tables, in this order: booked_s, driven_s, up_s.
SPANS = Sums("analytics_vehicle_spans", ("organization_id", "vehicle_id", "start_at", "end_at"))
DAYS = Sums("analytics_vehicle_days", ("organization_id", "vehicle_id", "day"), bucket=("day", DAY))
FLEET_HOURS = Sums(
    "analytics_fleet_hours", ("organization_id", "location_id", "hour", "slice"),
    bucket=("hour", HOUR), edges=True, fleet=True,
)  # fmt: skip
TABLES = (USAGE, SPANS, DAYS, FLEET_HOURS)

Weights = tuple[int, int, int]  # (booked, driven, in service): each -1, 0 or 1
BOOKED, DRIVEN, UP = (1, 0, 0), (0, 1, 0), (0, 0, 1)
UNBOOKED = (-1, 0, 0)
DOWN_STATUSES = ("maintenance", "inactive")


def add_span(
    p: Page,
    vehicle_id: UUID,
    start: datetime,
    end: datetime,
    weights: Weights,
    location: UUID | None = None,
) -> None:
    """`weights` times the span's seconds: one span row, its day rows, its fleet hours
    (at `location`, by default the vehicle's location now)."""
    row = p[USAGE].get(vehicle_id)
    if end <= start or row is None:
        return
    org, start_us, end_us = row["organization_id"], micros(start), micros(end)
    seconds = (end_us - start_us) // 1_000_000
    at = row["location_id"] if location is None else location
    p[SPANS].add_row((org, vehicle_id, start, end), [seconds * w for w in weights])
    p[DAYS].spread((org, vehicle_id), start_us, end_us, weights)
    p[FLEET_HOURS].spread((org, at, slice_of(vehicle_id)), start_us, end_us, weights)


def _registered(p: Page, e: ev.VehicleRegistered) -> None:
    p[USAGE].insert(e.vehicle_id, slice=slice_of(e.vehicle_id), registered_at=e.occurred_at,
                    in_service_since=e.occurred_at, organization_id=e.organization_id,
                    location_id=location_key(e.location_id))  # fmt: skip


def _moved(p: Page, e: ev.VehicleDetailsUpdated) -> None:
    """A new home location: the in-service time so far counts at the old one."""
    row = p[USAGE].get(e.vehicle_id)
    if e.location_id is None or row is None or row["location_id"] == e.location_id:
        return
    since = row["in_service_since"]
    if since is not None:
        add_span(p, e.vehicle_id, since, e.occurred_at, UP)
        since = e.occurred_at
    p[USAGE].update(e.vehicle_id, location_id=e.location_id, in_service_since=since)


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


def _booked(p: Page, e: ev.BookingConfirmed | ev.BookingCancelled, weights: Weights) -> None:
    """The booking's window, at the booking's location (bookings.py decides it)."""
    row = p[BOOKINGS].get(e.booking_id)
    if row is not None:
        where = location_key(row["location_id"])
        add_span(p, e.vehicle_id, row["start_at"], row["end_at"], weights, where)


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
    ev.VehicleDetailsUpdated: _moved,
    ev.VehicleStatusChanged: _status_changed,
    ev.VehicleRetired: _retired,
    ev.BookingConfirmed: lambda p, e: _booked(p, e, BOOKED),
    ev.BookingCancelled: lambda p, e: _booked(p, e, UNBOOKED),
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
}
