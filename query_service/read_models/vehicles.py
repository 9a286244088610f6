"""Read model `vehicles`: registration fields, status, odometer and service counters."""

from __future__ import annotations

from query_service.read_models.page import Fold, Page
from query_service.read_models.tables import Rows
from shared.contract import events as ev

VEHICLES = Rows("vehicles", "vehicle_id", ids=("vehicle_id",), kind="vehicle")
TABLES = (VEHICLES,)


def _registered(p: Page, e: ev.VehicleRegistered) -> None:
    p[VEHICLES].insert(
        e.vehicle_id, vin=e.vin, plate=e.plate, make=e.make, model=e.model, year=e.year,
        seats=e.seats, hourly_rate_cents=e.hourly_rate_cents,
        daily_rate_cents=e.daily_rate_cents, currency=e.currency,
        home_lat=e.home.lat if e.home else None, home_lon=e.home.lon if e.home else None,
        location_id=e.location_id, status="available", retired=False, odometer_km=e.odometer_km,
        km_at_last_service=e.odometer_km, last_service_at=e.occurred_at, version=e.version,
        registered_at=e.occurred_at, updated_at=e.occurred_at,
        organization_id=e.organization_id,
    )  # fmt: skip


def _details_updated(p: Page, e: ev.VehicleDetailsUpdated) -> None:
    given = {
        "plate": e.plate, "make": e.make, "model": e.model, "seats": e.seats,
        "hourly_rate_cents": e.hourly_rate_cents, "daily_rate_cents": e.daily_rate_cents,
        "currency": e.currency, "home_lat": e.home.lat if e.home else None,
        "home_lon": e.home.lon if e.home else None, "location_id": e.location_id,
    }  # fmt: skip
    changed = {k: v for k, v in given.items() if v is not None}  # only the fields it carries
    p[VEHICLES].update(e.vehicle_id, **changed, version=e.version, updated_at=e.occurred_at)


def _status_changed(p: Page, e: ev.VehicleStatusChanged) -> None:
    p[VEHICLES].update(e.vehicle_id, status=e.to_status, version=e.version,
                       updated_at=e.occurred_at)  # fmt: skip


def _retired(p: Page, e: ev.VehicleRetired) -> None:
    p[VEHICLES].update(e.vehicle_id, status="retired", retired=True, retired_at=e.occurred_at,
                       version=e.version, updated_at=e.occurred_at)  # fmt: skip


def _trip_started(p: Page, e: ev.TripStarted) -> None:
    p[VEHICLES].update(
        e.vehicle_id, status="in_use", current_trip_id=e.trip_id,
        current_booking_id=e.booking_id, odometer_km=e.odometer_km, version=e.version,
        updated_at=e.occurred_at,
    )  # fmt: skip


def _trip_ended(p: Page, e: ev.TripEnded) -> None:
    row = p[VEHICLES].get(e.vehicle_id)
    if row is None:
        return
    # An operator may have moved the vehicle to maintenance during the trip: it stays there.
    status = "available" if row["status"] == "in_use" else row["status"]
    p[VEHICLES].update(e.vehicle_id, status=status, current_trip_id=None,
                       current_booking_id=None, odometer_km=e.odometer_km, version=e.version,
                       updated_at=e.occurred_at)  # fmt: skip


def _serviced(p: Page, e: ev.MaintenanceCompleted) -> None:
    p[VEHICLES].update(e.vehicle_id, odometer_km=e.odometer_km,
                       km_at_last_service=e.odometer_km, last_service_at=e.occurred_at,
                       version=e.version, updated_at=e.occurred_at)  # fmt: skip


def _touched(p: Page, e: ev.Event) -> None:
    """Events that change no vehicle field still advance its projected version."""
    p[VEHICLES].bump(e.vehicle_id, version=e.version, updated_at=e.occurred_at)


FOLDS: dict[type[ev.Event], Fold] = {
    ev.VehicleRegistered: _registered,
    ev.VehicleDetailsUpdated: _details_updated,
    ev.VehicleStatusChanged: _status_changed,
    ev.VehicleRetired: _retired,
    ev.TripStarted: _trip_started,
    ev.TripEnded: _trip_ended,
    ev.MaintenanceCompleted: _serviced,
}
FOLDS.update({t: _touched for t in ev.VEHICLE_EVENT_TYPES.values() if t not in FOLDS})
