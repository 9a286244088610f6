"""Specs of RegisterVehicle: validation, normalisation and the initial state."""

from __future__ import annotations

from typing import Any

import pytest

from command_service.domain import decide, normalize_plate, normalize_vin, plate_key
from command_service.domain.commands import Command
from command_service.domain.errors import (
    InvalidCommandError,
    VehicleAlreadyRegisteredError,
    VehicleNotFoundError,
)
from shared.contract.events import Location, VehicleRegistered
from tests.unit.fakes import (
    DAILY,
    EVERY_COMMAND_BUT_REGISTRATION,
    HOURLY,
    NOW,
    ODOMETER,
    VEHICLE,
    Ids,
    Vehicle,
    register_command,
)


def test_registers_a_vehicle_with_normalised_values() -> None:
    command = register_command(
        vin="  wvwzzz1jzxw000001 ",
        plate=" b-fl   1234 ",
        make=" Volkswagen ",
        model=" Golf\t",
        home=Location(lat=52.52, lon=13.40),
    )
    expected = Vehicle().then(
        VehicleRegistered,
        vin="WVWZZZ1JZXW000001",
        plate="B-FL 1234",
        make="Volkswagen",
        model="Golf",
        year=2028,
        seats=5,
        hourly_rate_cents=HOURLY,
        daily_rate_cents=DAILY,
        currency="EUR",
        odometer_km=ODOMETER,
        home=Location(lat=52.52, lon=13.40),
    )
    assert Vehicle().when(command) == [expected]


def test_registration_starts_available_with_a_fresh_service_counter() -> None:
    state = Vehicle().after(register_command())
    assert (state.vehicle_id, state.version, state.status, state.retired) == (
        VEHICLE,
        1,
        "available",
        False,
    )
    assert (state.odometer_km, state.km_at_last_service, state.last_service_at) == (
        ODOMETER,
        ODOMETER,
        NOW,
    )


def test_rejects_registering_an_existing_vehicle(vehicle: Vehicle) -> None:
    with pytest.raises(VehicleAlreadyRegisteredError):
        vehicle.when(register_command())


VALID_EDGES: list[dict[str, Any]] = [
    {"vin": "0123456789ABCDEFG"},
    {"vin": "1HGCM82633A00435Z"},
    {"plate": "AB"},
    {"plate": "ABCDEF-12345"},
    {"plate": "a-1"},
    {"make": "x" * 64},
    {"year": 1950},
    {"year": NOW.year + 1},
    {"seats": 1},
    {"seats": 99},
    {"hourly_rate_cents": 1, "daily_rate_cents": 10**9},
    {"odometer_km": 0},
    {"odometer_km": 10**7},
    {"home": Location(lat=-90, lon=180)},
]


@pytest.mark.parametrize("overrides", VALID_EDGES)
def test_accepts_values_on_the_edge_of_validity(overrides: dict[str, Any]) -> None:
    assert len(Vehicle().when(register_command(**overrides))) == 1


INVALID: list[tuple[str, Any]] = [
    ("vin", "WVWZZZ1JZXW00000"),
    ("vin", "WVWZZZ1JZXW0000011"),
    ("vin", "WVWZZZ1JZXW00000I"),
    ("vin", "WVWZZZ1JZXW00000O"),
    ("vin", "WVWZZZ1JZXW00000Q"),
    ("vin", "WVWZZZ1JZXW-00001"),
    ("plate", "A"),
    ("plate", "A-"),
    ("plate", "- -"),
    ("plate", "ABCDEFG-123456"),
    ("plate", "AB_12"),
    ("plate", "ÄB 12"),
    ("make", "   "),
    ("make", "x" * 65),
    ("model", ""),
    ("year", 1949),
    ("year", NOW.year + 2),
    ("seats", 0),
    ("seats", 100),
    ("hourly_rate_cents", 0),
    ("daily_rate_cents", 10**9 + 1),
    ("currency", "eur"),
    ("currency", "EURO"),
    ("currency", "E1R"),
    ("odometer_km", -1),
    ("odometer_km", 10**7 + 1),
    ("home", Location(lat=90.5, lon=0)),
    ("home", Location(lat=0, lon=-180.5)),
    ("home", Location(lat=float("nan"), lon=0)),
]


@pytest.mark.parametrize(("field", "value"), INVALID)
def test_rejects_an_invalid_registration_field(field: str, value: Any) -> None:
    with pytest.raises(InvalidCommandError) as raised:
        Vehicle().when(register_command(**{field: value}))
    assert raised.value.field == field


@pytest.mark.parametrize("command", EVERY_COMMAND_BUT_REGISTRATION, ids=lambda c: type(c).__name__)
def test_rejects_any_other_command_on_an_unknown_vehicle(command: Command) -> None:
    with pytest.raises(VehicleNotFoundError):
        decide(None, command, NOW, Ids(1))


def test_normalises_vins_and_plates_without_validating() -> None:
    assert normalize_vin(" wvw zz ") == "WVW ZZ"
    assert normalize_plate("  m\u00a0ab  1 ") == "M AB 1"


@pytest.mark.parametrize("plate", ["B-FL 1234", "bfl1234", "B FL-12 34", " b - f l 1234 "])
def test_plate_key_ignores_case_spaces_and_hyphens(plate: str) -> None:
    assert plate_key(plate) == "BFL1234"
