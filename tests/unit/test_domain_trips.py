"""Specs of StartTrip and EndTrip."""

from __future__ import annotations

from datetime import datetime

import pytest

from command_service.domain import active_blocks
from command_service.domain.commands import (
    ChangeVehicleStatus,
    CompleteMaintenance,
    OperatorStatus,
)
from command_service.domain.errors import (
    IdAlreadyUsedError,
    InvalidCommandError,
    OdometerError,
    TripAlreadyEndedError,
    TripNotAllowedError,
    UnknownEntityError,
)
from shared.contract.events import BookingCompleted, TripEnded, TripStarted
from tests.unit.fakes import (
    BOOKING,
    BOOKING_2,
    CUSTOMER,
    MAINTENANCE,
    ODOMETER,
    TRIP,
    TRIP_2,
    Vehicle,
    at,
    book,
    cancel,
    end_trip,
    schedule,
    start_trip,
)

BOOKED_FROM = at(hours=1)
BOOKED_UNTIL = at(hours=4)


def booked(vehicle: Vehicle) -> Vehicle:
    """The vehicle with BOOKING on [NOW + 1 h, NOW + 4 h)."""
    return vehicle.given(book(BOOKED_FROM, BOOKED_UNTIL))


def on_trip(vehicle: Vehicle, odometer_km: int = ODOMETER + 5) -> Vehicle:
    """The vehicle out on TRIP of BOOKING, started at BOOKED_FROM."""
    return booked(vehicle).given(start_trip(odometer_km=odometer_km), at=BOOKED_FROM)


# --- StartTrip ----------------------------------------------------------------------------


def test_starts_a_trip_on_a_confirmed_booking(vehicle: Vehicle) -> None:
    booked(vehicle)
    expected = vehicle.then(
        TripStarted,
        at=BOOKED_FROM,
        trip_id=TRIP,
        booking_id=BOOKING,
        customer_id=CUSTOMER,
        odometer_km=ODOMETER + 5,
    )
    assert vehicle.when(start_trip(odometer_km=ODOMETER + 5), at=BOOKED_FROM) == [expected]


def test_a_started_trip_puts_the_vehicle_in_use_at_its_odometer(vehicle: Vehicle) -> None:
    state = booked(vehicle).after(start_trip(odometer_km=ODOMETER + 5), at=BOOKED_FROM)
    assert (state.status, state.odometer_km) == ("in_use", ODOMETER + 5)


@pytest.mark.parametrize(
    "moment",
    [at(minutes=45), BOOKED_UNTIL, at(hours=4, minutes=14, seconds=59)],
)
def test_starts_a_trip_within_the_grace_around_the_window(
    vehicle: Vehicle, moment: datetime
) -> None:
    booked(vehicle)
    assert len(vehicle.when(start_trip(), at=moment)) == 1


@pytest.mark.parametrize("moment", [at(minutes=44, seconds=59), at(hours=4, minutes=15)])
def test_rejects_a_trip_outside_the_grace_around_the_window(
    vehicle: Vehicle, moment: datetime
) -> None:
    booked(vehicle)
    with pytest.raises(TripNotAllowedError, match="window"):
        vehicle.when(start_trip(), at=moment)


def test_rejects_a_trip_on_an_unknown_booking(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(start_trip(), at=BOOKED_FROM)


def test_rejects_a_trip_on_a_cancelled_booking(vehicle: Vehicle) -> None:
    booked(vehicle).given(cancel())
    with pytest.raises(TripNotAllowedError, match="cancelled"):
        vehicle.when(start_trip(), at=BOOKED_FROM)


def test_rejects_a_trip_on_a_completed_booking(vehicle: Vehicle) -> None:
    on_trip(vehicle).given(end_trip(), at=at(hours=2))
    with pytest.raises(TripNotAllowedError, match="completed"):
        vehicle.when(start_trip(trip_id=TRIP_2, odometer_km=ODOMETER + 50), at=at(hours=3))


def test_rejects_a_second_trip_on_a_booking(vehicle: Vehicle) -> None:
    on_trip(vehicle)
    with pytest.raises(TripNotAllowedError, match="already has a trip"):
        vehicle.when(start_trip(trip_id=TRIP_2), at=at(hours=2))


@pytest.mark.parametrize("status", ["maintenance", "inactive"])
def test_rejects_a_trip_when_the_vehicle_is_not_available(
    vehicle: Vehicle, status: OperatorStatus
) -> None:
    booked(vehicle).given(ChangeVehicleStatus(status=status, reason="x"))
    with pytest.raises(TripNotAllowedError, match="not available"):
        vehicle.when(start_trip(), at=BOOKED_FROM)


def test_rejects_a_trip_while_another_trip_is_still_running(vehicle: Vehicle) -> None:
    on_trip(vehicle)
    vehicle.given(book(at(hours=5), at(hours=6), BOOKING_2))
    vehicle.given(ChangeVehicleStatus(status="maintenance", reason="x"), at=at(hours=2))
    vehicle.given(ChangeVehicleStatus(status="available", reason="x"), at=at(hours=2))
    with pytest.raises(TripNotAllowedError, match="not available"):
        vehicle.when(start_trip(BOOKING_2, TRIP_2, ODOMETER + 99), at=at(hours=5))


def test_rejects_a_trip_starting_below_the_recorded_odometer(vehicle: Vehicle) -> None:
    booked(vehicle)
    with pytest.raises(OdometerError):
        vehicle.when(start_trip(odometer_km=ODOMETER - 1), at=BOOKED_FROM)


def test_rejects_an_impossible_odometer_reading(vehicle: Vehicle) -> None:
    booked(vehicle)
    with pytest.raises(InvalidCommandError) as raised:
        vehicle.when(start_trip(odometer_km=10**7 + 1), at=BOOKED_FROM)
    assert raised.value.field == "odometer_km"


def test_rejects_reusing_a_trip_id(vehicle: Vehicle) -> None:
    on_trip(vehicle).given(end_trip(), at=at(hours=2))
    vehicle.given(book(at(hours=5), at(hours=6), BOOKING_2))
    with pytest.raises(IdAlreadyUsedError):
        vehicle.when(start_trip(BOOKING_2, TRIP, ODOMETER + 99), at=at(hours=5))


# --- EndTrip ------------------------------------------------------------------------------


def test_ending_a_trip_records_distance_duration_and_completes_the_booking(
    vehicle: Vehicle,
) -> None:
    on_trip(vehicle)
    back = at(hours=3, minutes=30, seconds=7)
    expected = [
        vehicle.then(
            TripEnded,
            1,
            at=back,
            trip_id=TRIP,
            booking_id=BOOKING,
            odometer_km=ODOMETER + 125,
            distance_km=120,
            duration_s=2 * 3600 + 30 * 60 + 7,
        ),
        vehicle.then(BookingCompleted, 2, at=back, booking_id=BOOKING, trip_id=TRIP),
    ]
    assert vehicle.when(end_trip(odometer_km=ODOMETER + 125), at=back) == expected


def test_an_ended_trip_frees_the_vehicle_and_the_rest_of_the_window(vehicle: Vehicle) -> None:
    state = on_trip(vehicle).after(end_trip(odometer_km=ODOMETER + 125), at=at(hours=2))
    assert (state.status, state.odometer_km) == ("available", ODOMETER + 125)
    assert active_blocks(state, at(hours=2)) == []


def test_a_zero_distance_trip_is_fine(vehicle: Vehicle) -> None:
    on_trip(vehicle)
    ended = vehicle.when(end_trip(odometer_km=ODOMETER + 5), at=at(hours=2))[0]
    assert isinstance(ended, TripEnded)
    assert ended.distance_km == 0


def test_a_trip_ending_during_operator_maintenance_leaves_maintenance(vehicle: Vehicle) -> None:
    on_trip(vehicle).given(ChangeVehicleStatus(status="maintenance", reason="x"), at=at(hours=2))
    assert vehicle.after(end_trip(), at=at(hours=3)).status == "maintenance"


def test_rejects_ending_an_unknown_trip(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(end_trip())


def test_rejects_ending_a_trip_twice(vehicle: Vehicle) -> None:
    on_trip(vehicle).given(end_trip(), at=at(hours=2))
    with pytest.raises(TripAlreadyEndedError):
        vehicle.when(end_trip(), at=at(hours=3))


def test_rejects_ending_a_trip_below_its_start_odometer(vehicle: Vehicle) -> None:
    on_trip(vehicle, odometer_km=ODOMETER + 5)
    with pytest.raises(OdometerError):
        vehicle.when(end_trip(odometer_km=ODOMETER + 4), at=at(hours=2))


def test_rejects_ending_a_trip_below_an_odometer_recorded_meanwhile(vehicle: Vehicle) -> None:
    on_trip(vehicle, odometer_km=ODOMETER + 5)
    vehicle.given(schedule(at(hours=5), at(hours=6)), at=at(hours=2))
    vehicle.given(CompleteMaintenance(MAINTENANCE, ODOMETER + 50), at=at(hours=2))
    with pytest.raises(OdometerError):
        vehicle.when(end_trip(odometer_km=ODOMETER + 49), at=at(hours=3))
