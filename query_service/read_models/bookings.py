"""Read model `bookings`: every booking with its price (and how it was derived), status
and refund."""

from __future__ import annotations

from query_service.read_models.page import Fold, Page
from query_service.read_models.priced import priced_columns
from query_service.read_models.tables import Rows
from query_service.read_models.vehicles import VEHICLES
from shared.contract import events as ev

BOOKINGS = Rows("bookings", "booking_id", ids=("booking_id",), kind="booking")
TABLES = (BOOKINGS,)


def _confirmed(p: Page, e: ev.BookingConfirmed) -> None:
    """A booking belongs to the location of its vehicle when it is confirmed (the one rule
    analytics by location follow: docs/analytics.md)."""
    vehicle = p[VEHICLES].get(e.vehicle_id)
    p[BOOKINGS].insert(
        e.booking_id, vehicle_id=e.vehicle_id, customer_id=e.customer_id, hold_id=e.hold_id,
        start_at=e.start, end_at=e.end, price_cents=e.price_cents, currency=e.currency,
        purpose=e.purpose, cost_centre=e.cost_centre, status="confirmed",
        confirmed_at=e.occurred_at, updated_at=e.occurred_at, organization_id=e.organization_id,
        location_id=None if vehicle is None else vehicle["location_id"],
        **priced_columns(e.pricing, e.price_cents),
    )  # fmt: skip


def _cancelled(p: Page, e: ev.BookingCancelled) -> None:
    p[BOOKINGS].update(e.booking_id, status="cancelled", cancelled_at=e.occurred_at,
                       cancel_reason=e.reason, refund_cents=e.refund_cents,
                       refund_percent=e.refund_percent, updated_at=e.occurred_at)  # fmt: skip


def _completed(p: Page, e: ev.BookingCompleted) -> None:
    p[BOOKINGS].update(e.booking_id, status="completed", completed_at=e.occurred_at,
                       trip_id=e.trip_id, updated_at=e.occurred_at)  # fmt: skip


def _trip_started(p: Page, e: ev.TripStarted) -> None:
    p[BOOKINGS].update(e.booking_id, trip_id=e.trip_id, updated_at=e.occurred_at)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.BookingConfirmed: _confirmed,
    ev.BookingCancelled: _cancelled,
    ev.BookingCompleted: _completed,
    ev.TripStarted: _trip_started,
}
