"""Read model `analytics_service`: the current service cycle of each vehicle (odometer, km
and trip load since the last completed maintenance, and when the km interval ran out).

The health score and the due list are computed from it at read time (the days since
service depend on the reader's moment): query_service/api/queries/analytics_bookings.py.
"""

from __future__ import annotations

from typing import Any

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev

# The service interval, by distance or by time since the last completed maintenance
# (registration counts as one): GET /v1/vehicles' `health` and the analytics due list.
SERVICE_INTERVAL_KM = 15_000
SERVICE_INTERVAL_DAYS = 365

SERVICE = Rows("analytics_service", "vehicle_id", ids=("vehicle_id",))
TABLES = (SERVICE,)


def _registered(p: Page, e: ev.VehicleRegistered) -> None:
    p[SERVICE].insert(e.vehicle_id, retired=False, odometer_km=e.odometer_km,
                      km_at_service=e.odometer_km, last_service_at=e.occurred_at,
                      trips_since_service=0, trip_seconds_since_service=0,
                      organization_id=e.organization_id)  # fmt: skip


def _odometer(row: dict[str, Any], e: ev.TripStarted | ev.TripEnded) -> dict[str, Any]:
    """The new reading, and when the km interval first ran out."""
    odometer = max(row["odometer_km"], e.odometer_km)
    due = row["km_due_at"]
    if due is None and odometer - row["km_at_service"] >= SERVICE_INTERVAL_KM:
        due = e.occurred_at
    return {"odometer_km": odometer, "km_due_at": due}


def _trip_started(p: Page, e: ev.TripStarted) -> None:
    row = p[SERVICE].get(e.vehicle_id)
    if row is not None:
        p[SERVICE].update(e.vehicle_id, **_odometer(row, e))


def _trip_ended(p: Page, e: ev.TripEnded) -> None:
    row = p[SERVICE].get(e.vehicle_id)
    if row is not None:
        p[SERVICE].update(
            e.vehicle_id, **_odometer(row, e), trips_since_service=row["trips_since_service"] + 1,
            trip_seconds_since_service=row["trip_seconds_since_service"] + e.duration_s,
        )  # fmt: skip


def _serviced(p: Page, e: ev.MaintenanceCompleted) -> None:
    p[SERVICE].update(e.vehicle_id, odometer_km=e.odometer_km, km_at_service=e.odometer_km,
                      last_service_at=e.occurred_at, trips_since_service=0,
                      trip_seconds_since_service=0, km_due_at=None)  # fmt: skip


FOLDS: dict[type[ev.Event], Fold] = {
    ev.VehicleRegistered: _registered,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
    ev.MaintenanceCompleted: _serviced,
    ev.VehicleRetired: lambda p, e: p[SERVICE].update(e.vehicle_id, retired=True),
}
