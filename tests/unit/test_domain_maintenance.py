"""Specs of ScheduleMaintenance and CompleteMaintenance."""

from __future__ import annotations

from datetime import datetime

import pytest

from command_service.domain import active_blocks
from command_service.domain.commands import ChangeVehicleStatus, CompleteMaintenance
from command_service.domain.errors import (
    Conflict,
    IdAlreadyUsedError,
    InvalidCommandError,
    MaintenanceAlreadyCompletedError,
    OdometerError,
    OverlappingBlockError,
    UnknownEntityError,
)
from shared.contract.events import MaintenanceCompleted, MaintenanceScheduled
from tests.unit.fakes import (
    BOOKING,
    HOLD,
    MAINTENANCE,
    MAINTENANCE_2,
    NOW,
    ODOMETER,
    Vehicle,
    at,
    book,
    place_hold,
    schedule,
)


def complete(odometer_km: int = ODOMETER + 10) -> CompleteMaintenance:
    """CompleteMaintenance of MAINTENANCE."""
    return CompleteMaintenance(maintenance_id=MAINTENANCE, odometer_km=odometer_km)


# --- ScheduleMaintenance ------------------------------------------------------------------


def test_schedules_a_maintenance_window(vehicle: Vehicle) -> None:
    expected = vehicle.then(
        MaintenanceScheduled,
        maintenance_id=MAINTENANCE,
        start=at(days=1),
        end=at(days=2),
        reason="service",
    )
    assert vehicle.when(schedule(at(days=1), at(days=2))) == [expected]


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(minutes=-5), at(minutes=1)),
        (at(days=1), at(days=91)),
        (at(days=400), at(days=401)),
    ],
)
def test_accepts_a_window_within_the_maintenance_rules(
    vehicle: Vehicle, start: datetime, end: datetime
) -> None:
    assert len(vehicle.when(schedule(start, end))) == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [
        (at(days=1), at(days=1), "after start"),
        (at(days=1), at(hours=1), "after start"),
        (at(minutes=-5, seconds=-1), at(hours=1), "start in the past"),
        (at(days=1), at(days=91, seconds=1), "90 days"),
    ],
)
def test_rejects_a_window_outside_the_maintenance_rules(
    vehicle: Vehicle, start: datetime, end: datetime, message: str
) -> None:
    with pytest.raises(InvalidCommandError, match=message):
        vehicle.when(schedule(start, end))


def test_schedules_maintenance_on_an_inactive_vehicle(vehicle: Vehicle) -> None:
    vehicle.given(ChangeVehicleStatus(status="inactive", reason="winter"))
    assert len(vehicle.when(schedule(at(days=1), at(days=2)))) == 1


def test_rejects_maintenance_that_overlaps_a_booking_and_a_hold(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=1), at(days=2)))
    vehicle.given(place_hold(at(days=3), at(days=4)), at=at(minutes=-1))
    with pytest.raises(OverlappingBlockError) as raised:
        vehicle.when(schedule(at(days=1, hours=12), at(days=3, hours=1)))
    assert raised.value.conflicts == [
        Conflict("booking", BOOKING, at(days=1), at(days=2)),
        Conflict("hold", HOLD, at(days=3), at(days=4)),
    ]


def test_rejects_overlapping_maintenance_windows(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(days=1), at(days=60)))
    with pytest.raises(OverlappingBlockError):
        vehicle.when(schedule(at(days=59), at(days=61), MAINTENANCE_2))


def test_rejects_reusing_a_maintenance_id(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(days=1), at(days=2)))
    with pytest.raises(IdAlreadyUsedError):
        vehicle.when(schedule(at(days=3), at(days=4)))


# --- CompleteMaintenance ------------------------------------------------------------------


def test_completing_maintenance_records_the_odometer(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    expected = vehicle.then(
        MaintenanceCompleted, maintenance_id=MAINTENANCE, odometer_km=ODOMETER + 10
    )
    assert vehicle.when(complete()) == [expected]


def test_completing_maintenance_resets_the_service_counter(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    state = vehicle.after(complete(ODOMETER + 10))
    assert (state.odometer_km, state.km_at_last_service, state.last_service_at) == (
        ODOMETER + 10,
        ODOMETER + 10,
        NOW,
    )


def test_completing_maintenance_frees_the_rest_of_its_window(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    state = vehicle.after(complete())
    assert active_blocks(state, NOW) == [Conflict("maintenance", MAINTENANCE, at(hours=-1), NOW)]
    vehicle.given(complete(), at=NOW)
    assert len(vehicle.when(book(at(minutes=1), at(hours=2)))) == 1


def test_maintenance_completed_before_its_start_blocks_nothing(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(days=1), at(days=2)))
    assert active_blocks(vehicle.after(complete()), NOW) == []


def test_completing_maintenance_leaves_the_status_alone(vehicle: Vehicle) -> None:
    vehicle.given(ChangeVehicleStatus(status="maintenance", reason="x"))
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    assert vehicle.after(complete()).status == "maintenance"


def test_rejects_completing_unknown_maintenance(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(complete())


def test_rejects_completing_maintenance_twice(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    vehicle.given(complete(), at=NOW)
    with pytest.raises(MaintenanceAlreadyCompletedError):
        vehicle.when(complete(ODOMETER + 20), at=at(minutes=5))


def test_rejects_completing_maintenance_below_the_recorded_odometer(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(hours=-1), at(hours=3)), at=at(hours=-1))
    with pytest.raises(OdometerError):
        vehicle.when(complete(ODOMETER - 1))
