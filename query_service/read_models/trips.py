"""Read model `trips`: every trip, running or ended, with distance and duration."""

from __future__ import annotations

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev

TRIPS = Rows("trips", "trip_id", ids=("trip_id",), kind="trip")
TABLES = (TRIPS,)


def _started(p: Page, e: ev.TripStarted) -> None:
    p[TRIPS].insert(e.trip_id, vehicle_id=e.vehicle_id, booking_id=e.booking_id,
                    customer_id=e.customer_id, status=ev.RUNNING, started_at=e.occurred_at,
                    start_odometer_km=e.odometer_km, updated_at=e.occurred_at,
                    organization_id=e.organization_id)  # fmt: skip


def _ended(p: Page, e: ev.TripEnded) -> None:
    p[TRIPS].update(e.trip_id, status=ev.ENDED, ended_at=e.occurred_at,
                    end_odometer_km=e.odometer_km, distance_km=e.distance_km,
                    duration_s=e.duration_s, updated_at=e.occurred_at)  # fmt: skip


FOLDS: dict[type[ev.Event], Fold] = {ev.TripStarted: _started, ev.TripEnded: _ended}
