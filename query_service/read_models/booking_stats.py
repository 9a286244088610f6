"""Read models `analytics_fleet_bookings` and `analytics_vehicle_bookings`: booking counts,
lead time, duration and revenue by the UTC hour the booking's window starts.

Cancellations, completions and trips count against the booking's start hour too, so one
cohort of bookings keeps all its figures in one bucket (docs/analytics.md). Revenue is the
booked price minus refunds.
"""

from __future__ import annotations

from typing import Any

from query_service.read_models.bookings import BOOKINGS
from query_service.read_models.page import Fold, Page
from query_service.read_models.spans import HOUR, floor_to, location_key, slice_of
from query_service.read_models.tables import Sums
from shared.contract import events as ev

FLEET_BOOKINGS = Sums(
    "analytics_fleet_bookings",
    ("organization_id", "location_id", "hour", "slice", "currency"),
    fleet=True,
)
VEHICLE_BOOKINGS = Sums(
    "analytics_vehicle_bookings",
    ("organization_id", "location_id", "vehicle_id", "hour", "currency"),
)
_NONE = ((), ())
TABLES = (FLEET_BOOKINGS, VEHICLE_BOOKINGS)


def _keys(p: Page, e: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    """The booking's fleet and vehicle keys: organization, location (as bookings.py
    recorded it), start hour, and currency, none of which ever change."""
    row = p[BOOKINGS].get(e.booking_id)
    if row is None:
        return _NONE
    org, at = row["organization_id"], location_key(row["location_id"])
    hour, currency = floor_to(row["start_at"], HOUR), row["currency"]
    return (org, at, hour, slice_of(e.vehicle_id), currency), (
        org,
        at,
        e.vehicle_id,
        hour,
        currency,
    )


def _confirmed(p: Page, e: ev.BookingConfirmed) -> None:
    fleet, vehicle = _keys(p, e)
    if fleet:
        p[FLEET_BOOKINGS].add(
            fleet, bookings=1, booked_cents=e.price_cents,
            lead_s=int((e.start - e.occurred_at).total_seconds()),
            duration_s=int((e.end - e.start).total_seconds()),
        )  # fmt: skip
        p[VEHICLE_BOOKINGS].add(vehicle, bookings=1, booked_cents=e.price_cents)


def _cancelled(p: Page, e: ev.BookingCancelled) -> None:
    fleet, vehicle = _keys(p, e)
    if fleet:
        p[FLEET_BOOKINGS].add(fleet, cancelled=1, refunded_cents=e.refund_cents)
        p[VEHICLE_BOOKINGS].add(vehicle, cancelled=1, refunded_cents=e.refund_cents)


def _completed(p: Page, e: ev.BookingCompleted) -> None:
    if fleet := _keys(p, e)[0]:
        p[FLEET_BOOKINGS].add(fleet, completed=1)


def _trip_started(p: Page, e: ev.TripStarted) -> None:
    if fleet := _keys(p, e)[0]:
        p[FLEET_BOOKINGS].add(fleet, trips=1)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.BookingConfirmed: _confirmed,
    ev.BookingCancelled: _cancelled,
    ev.BookingCompleted: _completed,
    ev.TripStarted: _trip_started,
}
