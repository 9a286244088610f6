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
from query_service.read_models.spans import HOUR, floor_to, slice_of
from query_service.read_models.tables import Sums
from shared.contract import events as ev

FLEET_BOOKINGS = Sums("analytics_fleet_bookings", ("hour", "slice", "currency"))
VEHICLE_BOOKINGS = Sums("analytics_vehicle_bookings", ("vehicle_id", "hour", "currency"))
TABLES = (FLEET_BOOKINGS, VEHICLE_BOOKINGS)


def _cohort(p: Page, e: ev.BookingCancelled | ev.BookingCompleted | ev.TripStarted) -> Any:
    """The booking's (start hour, slice, currency); its window and currency never change."""
    row = p[BOOKINGS].get(e.booking_id)
    if row is None:
        return ()
    return floor_to(row["start_at"], HOUR), slice_of(e.vehicle_id), row["currency"]


def _confirmed(p: Page, e: ev.BookingConfirmed) -> None:
    hour = floor_to(e.start, HOUR)
    p[FLEET_BOOKINGS].add(
        (hour, slice_of(e.vehicle_id), e.currency), bookings=1, booked_cents=e.price_cents,
        lead_s=int((e.start - e.occurred_at).total_seconds()),
        duration_s=int((e.end - e.start).total_seconds()),
    )  # fmt: skip
    p[VEHICLE_BOOKINGS].add((e.vehicle_id, hour, e.currency), bookings=1,
                            booked_cents=e.price_cents)  # fmt: skip


def _cancelled(p: Page, e: ev.BookingCancelled) -> None:
    if cohort := _cohort(p, e):
        hour, _, currency = cohort
        p[FLEET_BOOKINGS].add(cohort, cancelled=1, refunded_cents=e.refund_cents)
        p[VEHICLE_BOOKINGS].add((e.vehicle_id, hour, currency), cancelled=1,
                                refunded_cents=e.refund_cents)  # fmt: skip


def _completed(p: Page, e: ev.BookingCompleted) -> None:
    if cohort := _cohort(p, e):
        p[FLEET_BOOKINGS].add(cohort, completed=1)


def _trip_started(p: Page, e: ev.TripStarted) -> None:
    if cohort := _cohort(p, e):
        p[FLEET_BOOKINGS].add(cohort, trips=1)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.BookingConfirmed: _confirmed,
    ev.BookingCancelled: _cancelled,
    ev.BookingCompleted: _completed,
    ev.TripStarted: _trip_started,
}
