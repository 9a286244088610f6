"""The simulated fleet looks real: valid VINs, unique plates, makes and models that fit."""

from __future__ import annotations

import random

import pytest

from command_service.domain.rules import check_plate, check_vin, plate_key
from deploy.simulator.fleet import CATALOG, CITIES, make_fleet
from deploy.simulator.vin import ALPHABET, check_digit, is_valid, year_code


@pytest.mark.parametrize(
    ("vin", "digit"),
    [("1M8GDM9AXKP042788", "X"), ("11111111111111111", "1"), ("1HGCM82633A004352", "3")],
)
def test_check_digit_matches_published_examples(vin: str, digit: str) -> None:
    assert check_digit(vin) == digit
    assert is_valid(vin)


def test_a_wrong_check_digit_is_invalid() -> None:
    assert not is_valid("1M8GDM9A1KP042788")
    assert not is_valid("1M8GDM9AXKP04278")  # 16 characters
    assert not is_valid("IM8GDM9AXKP042788")  # I is not in the alphabet


def test_model_year_codes_follow_the_30_year_cycle() -> None:
    assert [year_code(y) for y in (1980, 2001, 2009, 2010, 2024, 2030)] == list("A19ARY")


def test_every_generated_vin_is_valid_and_unique() -> None:
    fleet = make_fleet(random.Random(1), random.Random(2), 2000, 2030)
    vins = [v.vin for v in fleet]
    assert all(is_valid(vin) and set(vin) <= set(ALPHABET) for vin in vins)
    assert len(set(vins)) == len(vins)
    for vehicle in fleet:
        assert vehicle.vin[:3] == CATALOG[vehicle.make][0]
        assert vehicle.vin[9] == year_code(vehicle.year)
        assert check_vin(vehicle.vin) == vehicle.vin  # the command service agrees


def test_plates_are_unique_as_the_service_compares_them() -> None:
    fleet = make_fleet(random.Random(3), random.Random(4), 3000, 2030)
    keys = [plate_key(check_plate(v.plate)) for v in fleet]
    assert len(set(keys)) == len(keys)
    for vehicle in fleet:
        assert vehicle.plate.startswith(CITIES[vehicle.city][0] + "-")


def test_models_seats_and_rates_fit_together() -> None:
    for vehicle in make_fleet(random.Random(5), random.Random(6), 500, 2030):
        _, _, models = CATALOG[vehicle.make]
        assert (vehicle.model, vehicle.seats, vehicle.category) in models
        assert 4 * vehicle.hourly_rate_cents <= vehicle.daily_rate_cents
        assert vehicle.daily_rate_cents < 24 * vehicle.hourly_rate_cents
        assert 2024 <= vehicle.year <= 2030 and vehicle.odometer_km >= 50
        _, lat, lon, _ = CITIES[vehicle.city]
        assert abs(vehicle.lat - lat) < 0.5 and abs(vehicle.lon - lon) < 0.5


def test_the_same_seeds_give_the_same_fleet() -> None:
    one = make_fleet(random.Random(7), random.Random(8), 50, 2030)
    assert one == make_fleet(random.Random(7), random.Random(8), 50, 2030)
    other_ids = make_fleet(random.Random(7), random.Random(9), 50, 2030)
    assert [v.model for v in one] == [v.model for v in other_ids]
    assert not {v.vin for v in one} & {v.vin for v in other_ids}
