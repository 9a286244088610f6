"""A policy's terms must be consistent: every refusal names what is wrong."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from tests.unit.pricing.policies import GPS, NIGHT, SEAT, SUMMER, WEEKEND, terms

VEHICLE = "6f1c1e0e-8b1a-4c55-9b0e-6f2f3a0d1c11"


def refusal(**parts: Any) -> tuple[str, str, str]:
    """(field, type, message) of the first error the terms are refused with."""
    with pytest.raises(ValidationError) as refused:
        terms(**parts)
    error = refused.value.errors()[0]
    return ".".join(str(p) for p in error["loc"]), error["type"], error["msg"]


def test_accepts_consistent_terms() -> None:
    accepted = terms(
        seasons=[SUMMER, {"start": "2026-12-20", "end": "2027-01-06", "multiplier": 1.4}],
        time_of_day=[NIGHT, WEEKEND],
        demand=[
            {"min_utilization": 0, "multiplier": 0.9},
            {"min_utilization": 0.8, "multiplier": 1.3},
        ],
        extras=[SEAT, GPS],
        applies_to={"vehicle_ids": [VEHICLE], "make": "Tesla"},
    )
    assert accepted.timezone == "Europe/Berlin"


def test_refuses_a_multiplier_with_more_than_four_decimal_places() -> None:
    assert refusal(seasons=[SUMMER | {"multiplier": 1.00001}]) == (
        "seasons.0.multiplier",
        "multiplier_precision",
        "a multiplier has at most 4 decimal places",
    )


def test_accepts_a_multiplier_with_four_decimal_places() -> None:
    assert terms(seasons=[SUMMER | {"multiplier": 1.2345}]).seasons[0].multiplier == 1.2345


def test_refuses_a_season_that_ends_before_it_starts() -> None:
    assert refusal(seasons=[SUMMER | {"start": "2026-09-01"}])[1:] == (
        "season_order",
        "a season cannot end before it starts",
    )


@pytest.mark.parametrize(
    ("start", "end"),
    [("2026-08-31", "2026-09-30"), ("2026-06-01", "2026-07-01"), ("2026-07-15", "2026-07-16")],
)
def test_refuses_overlapping_seasons(start: str, end: str) -> None:
    other = {"start": start, "end": end, "multiplier": 1.1}
    field, kind, message = refusal(seasons=[SUMMER, other])
    assert (field, kind) == ("seasons", "overlapping_seasons")
    assert "overlap" in message


def test_accepts_seasons_that_meet() -> None:
    autumn = {"start": "2026-09-01", "end": "2026-11-30", "multiplier": 0.9}
    assert len(terms(seasons=[autumn, SUMMER]).seasons) == 2


@pytest.mark.parametrize(
    ("other", "day"),
    [
        # Saturday 09:00-11:00 meets Weekend 10:00-18:00.
        ({"weekdays": [6], "start_time": "09:00", "end_time": "11:00"}, "Saturday"),
        # Friday's night runs to Saturday 06:00: a Saturday 05:00 rule meets it.
        ({"weekdays": [6], "start_time": "05:00", "end_time": "07:00"}, "Saturday"),
        # Sunday's night wraps past the end of the week into Monday morning.
        ({"weekdays": [1], "start_time": "00:00", "end_time": "01:00"}, "Monday"),
    ],
)
def test_refuses_time_of_day_rules_covering_the_same_time(other: dict[str, Any], day: str) -> None:
    sunday_night = NIGHT | {"weekdays": [7]}
    rules = [WEEKEND | {"weekdays": [6]}, NIGHT, sunday_night, other | {"multiplier": 1.1}]
    field, kind, message = refusal(time_of_day=rules)
    assert (field, kind) == ("time_of_day", "overlapping_time_of_day")
    assert message.endswith(f"both cover a time on {day}")


def test_accepts_rules_that_meet_end_to_start() -> None:
    morning = {"weekdays": [6], "start_time": "06:00", "end_time": "10:00", "multiplier": 1.1}
    assert len(terms(time_of_day=[NIGHT, WEEKEND, morning]).time_of_day) == 3


def test_refuses_a_rule_that_starts_when_it_ends() -> None:
    assert refusal(time_of_day=[NIGHT | {"end_time": "22:00"}])[1:] == (
        "empty_time_range",
        "start_time and end_time must differ",
    )


def test_refuses_a_weekday_named_twice() -> None:
    assert refusal(time_of_day=[NIGHT | {"weekdays": [5, 5]}])[1:] == (
        "duplicate",
        "weekday 5 is given more than once",
    )


def test_refuses_a_time_of_day_with_an_offset() -> None:
    assert refusal(time_of_day=[NIGHT | {"start_time": "22:00Z"}])[1] == "time_offset"


def test_refuses_an_unknown_timezone() -> None:
    assert refusal(timezone="Europe/Atlantis") == (
        "timezone",
        "unknown_timezone",
        "unknown IANA timezone 'Europe/Atlantis'",
    )


def test_refuses_a_timezone_that_is_a_path() -> None:
    assert refusal(timezone="../../etc/passwd")[1] == "unknown_timezone"


def test_refuses_an_extra_code_offered_twice() -> None:
    assert refusal(extras=[SEAT, SEAT | {"name": "Booster"}]) == (
        "extras",
        "duplicate",
        "extra code seat is given more than once",
    )


def test_refuses_two_demand_tiers_at_the_same_utilization() -> None:
    tiers = [
        {"min_utilization": 0.8, "multiplier": 1.2},
        {"min_utilization": 0.8, "multiplier": 1.3},
    ]
    assert refusal(demand=tiers) == (
        "demand",
        "duplicate",
        "min_utilization 0.8 is given more than once",
    )


@pytest.mark.parametrize(
    "tiers",
    [
        [{"min_utilization": 0.5, "multiplier": 1.3}, {"min_utilization": 0.8, "multiplier": 1.1}],
        [{"min_utilization": 0.2, "multiplier": 0.9}],  # 1 below 20 %, 0.9 above
    ],
)
def test_refuses_demand_multipliers_that_fall_as_utilization_rises(
    tiers: list[dict[str, float]],
) -> None:
    assert refusal(demand=tiers)[:2] == ("demand", "falling_demand")


def test_refuses_a_vehicle_named_twice() -> None:
    assert refusal(applies_to={"vehicle_ids": [VEHICLE, VEHICLE.upper()]}) == (
        "applies_to.vehicle_ids",
        "duplicate",
        f"vehicle id {VEHICLE} is given more than once",
    )


@pytest.mark.parametrize(
    ("rates", "message"),
    [
        (
            {"hourly_cents": 1_000, "daily_cents": 900},
            "daily_cents cannot be less than hourly_cents",
        ),
        (
            {"hourly_cents": 100, "daily_cents": 900, "weekly_cents": 800},
            "weekly_cents cannot be less than daily_cents",
        ),
    ],
)
def test_refuses_a_longer_unit_cheaper_than_a_shorter_one(
    rates: dict[str, int], message: str
) -> None:
    assert refusal(rates=rates) == ("rates", "rates_order", message)
