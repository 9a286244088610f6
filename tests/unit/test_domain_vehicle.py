"""Specs of details updates, the status machine and retirement."""

from __future__ import annotations

from typing import Any

import pytest

from command_service.domain.commands import (
    ChangeVehicleStatus,
    Command,
    OperatorStatus,
    RetireVehicle,
    UpdateVehicleDetails,
)
from command_service.domain.errors import (
    Conflict,
    FutureBookingsExistError,
    InvalidCommandError,
    InvalidTransitionError,
    VehicleRetiredError,
)
from command_service.domain.rules import OPERATOR_MOVES, STATUS_MACHINE
from shared.contract.events import (
    Location,
    VehicleDetailsUpdated,
    VehicleRetired,
    VehicleStatus,
    VehicleStatusChanged,
)
from tests.unit.fakes import (
    BOOKING,
    BOOKING_2,
    EVERY_COMMAND_BUT_REGISTRATION,
    HOLD,
    NO_SHOW,
    NOW,
    Vehicle,
    at,
    book,
    cancel,
    end_trip,
    place_hold,
    start_trip,
)

# --- UpdateVehicleDetails ---------------------------------------------------------------


def test_update_carries_only_the_fields_that_change(vehicle: Vehicle) -> None:
    command = UpdateVehicleDetails(
        plate="b-fl 1234", make="Volkswagen", seats=7, home=Location(lat=1, lon=2)
    )
    expected = vehicle.then(VehicleDetailsUpdated, seats=7, home=Location(lat=1, lon=2))
    assert vehicle.when(command) == [expected]


def test_update_normalises_like_registration(vehicle: Vehicle) -> None:
    command = UpdateVehicleDetails(plate=" m  xy 99 ", model=" Polo ")
    expected = vehicle.then(VehicleDetailsUpdated, plate="M XY 99", model="Polo")
    assert vehicle.when(command) == [expected]


def test_update_with_identical_values_is_a_no_op(vehicle: Vehicle) -> None:
    command = UpdateVehicleDetails(plate="B-FL 1234", currency="EUR", hourly_rate_cents=1_000)
    assert vehicle.when(command) == []


def test_rejects_an_update_that_sets_no_field(vehicle: Vehicle) -> None:
    with pytest.raises(InvalidCommandError):
        vehicle.when(UpdateVehicleDetails())


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("plate", "X"),
        ("make", ""),
        ("model", "m" * 65),
        ("seats", 0),
        ("hourly_rate_cents", 0),
        ("daily_rate_cents", 10**9 + 1),
        ("currency", "usd"),
        ("home", Location(lat=91, lon=0)),
    ],
)
def test_rejects_an_invalid_update_field(vehicle: Vehicle, field: str, value: Any) -> None:
    with pytest.raises(InvalidCommandError) as raised:
        vehicle.when(UpdateVehicleDetails(**{field: value}))
    assert raised.value.field == field


def test_updated_details_apply_to_the_state(vehicle: Vehicle) -> None:
    state = vehicle.after(UpdateVehicleDetails(daily_rate_cents=9_000, currency="CHF"))
    assert (state.daily_rate_cents, state.currency, state.make) == (9_000, "CHF", "Volkswagen")


def test_new_rates_price_later_bookings(vehicle: Vehicle) -> None:
    vehicle.given(UpdateVehicleDetails(hourly_rate_cents=2_000, currency="CHF"))
    booked = vehicle.when(book(at(days=1), at(days=1, hours=2)))[0]
    assert booked.model_dump(include={"price_cents", "currency"}) == {
        "price_cents": 4_000,
        "currency": "CHF",
    }


# --- ChangeVehicleStatus ------------------------------------------------------------------


def move_to(vehicle: Vehicle, status: VehicleStatus) -> Vehicle:
    """Drive the vehicle into `status` (in_use through a running trip)."""
    if status == "in_use":
        return vehicle.given(book(at(hours=-1), at(hours=3)), at=at(days=-1)).given(
            start_trip(), at=NOW
        )
    if status != "available":
        vehicle.given(ChangeVehicleStatus(status=status, reason="setup"))
    return vehicle


ALLOWED: list[tuple[VehicleStatus, OperatorStatus]] = [
    ("available", "maintenance"),
    ("available", "inactive"),
    ("in_use", "maintenance"),
    ("maintenance", "available"),
    ("inactive", "available"),
]


@pytest.mark.parametrize(("current", "target"), ALLOWED)
def test_operator_moves_the_vehicle_along_the_status_machine(
    vehicle: Vehicle, current: VehicleStatus, target: OperatorStatus
) -> None:
    move_to(vehicle, current)
    expected = vehicle.then(
        VehicleStatusChanged, from_status=current, to_status=target, reason="workshop"
    )
    assert vehicle.when(ChangeVehicleStatus(status=target, reason="workshop")) == [expected]
    assert vehicle.after(ChangeVehicleStatus(status=target, reason="workshop")).status == target


REFUSED: list[tuple[VehicleStatus, str]] = [
    ("available", "available"),
    ("available", "in_use"),
    ("in_use", "available"),
    ("in_use", "in_use"),
    ("in_use", "inactive"),
    ("maintenance", "maintenance"),
    ("maintenance", "inactive"),
    ("maintenance", "in_use"),
    ("inactive", "inactive"),
    ("inactive", "maintenance"),
    ("inactive", "in_use"),
]


@pytest.mark.parametrize(("current", "target"), REFUSED)
def test_rejects_a_status_change_outside_the_operator_moves(
    vehicle: Vehicle, current: VehicleStatus, target: Any
) -> None:
    move_to(vehicle, current)
    with pytest.raises(InvalidTransitionError):
        vehicle.when(ChangeVehicleStatus(status=target, reason="x"))


def test_operator_moves_are_a_subset_of_the_status_machine() -> None:
    assert all(OPERATOR_MOVES[s] <= STATUS_MACHINE[s] for s in STATUS_MACHINE)
    assert "in_use" not in set().union(*OPERATOR_MOVES.values())


# --- RetireVehicle ------------------------------------------------------------------------


def test_retires_a_vehicle_without_future_commitments(vehicle: Vehicle) -> None:
    assert vehicle.when(RetireVehicle(reason="sold")) == [
        vehicle.then(VehicleRetired, reason="sold")
    ]
    assert vehicle.after(RetireVehicle(reason="sold")).retired


@pytest.mark.parametrize("command", EVERY_COMMAND_BUT_REGISTRATION, ids=lambda c: type(c).__name__)
def test_rejects_every_command_on_a_retired_vehicle(vehicle: Vehicle, command: Command) -> None:
    vehicle.given(RetireVehicle(reason="sold"))
    with pytest.raises(VehicleRetiredError):
        vehicle.when(command)


def test_refuses_retirement_while_a_future_booking_exists(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=2), at(days=3)), book(at(hours=-1), at(hours=1), BOOKING_2))
    with pytest.raises(FutureBookingsExistError) as raised:
        vehicle.when(RetireVehicle(reason="sold"))
    assert raised.value.conflicts == [
        Conflict("booking", BOOKING_2, at(hours=-1), at(hours=1)),
        Conflict("booking", BOOKING, at(days=2), at(days=3)),
    ]


def test_refuses_retirement_while_a_hold_is_live(vehicle: Vehicle) -> None:
    vehicle.given(place_hold(at(days=2), at(days=3)), at=at(minutes=-5))
    with pytest.raises(FutureBookingsExistError) as raised:
        vehicle.when(RetireVehicle(reason="sold"))
    assert raised.value.conflicts == [Conflict("hold", HOLD, at(days=2), at(days=3))]


def test_refuses_retirement_during_a_trip_reporting_its_booking(vehicle: Vehicle) -> None:
    vehicle.given(book(at(hours=-5), at(hours=-3)), at=at(days=-1))
    vehicle.given(start_trip(), at=at(hours=-5))
    with pytest.raises(FutureBookingsExistError) as raised:
        vehicle.when(RetireVehicle(reason="sold"))
    assert raised.value.conflicts == [Conflict("booking", BOOKING, at(hours=-5), at(hours=-3))]


def test_retirement_ignores_past_cancelled_completed_and_expired_entries(vehicle: Vehicle) -> None:
    vehicle.given(book(at(hours=-5), at(hours=-3)), at=at(days=-1))
    vehicle.given(start_trip(), at=at(hours=-5))
    vehicle.given(end_trip(), at=at(hours=-3))
    vehicle.given(book(at(days=3), at(days=4), BOOKING_2), at=at(days=-1))
    vehicle.given(cancel(BOOKING_2), at=at(days=-1))
    vehicle.given(book(at(hours=-20), at(hours=-19), NO_SHOW), at=at(days=-1))
    vehicle.given(place_hold(at(days=5), at(days=6)), at=at(minutes=-15))
    assert vehicle.when(RetireVehicle(reason="sold")) == [
        vehicle.then(VehicleRetired, reason="sold")
    ]
