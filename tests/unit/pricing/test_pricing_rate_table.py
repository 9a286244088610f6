"""The rate table: the cheapest combination of started weeks, days and hours."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from shared.contract.pricing import price_cents
from shared.pricing.engine import price_by_vehicle_rates
from shared.pricing.rate_table import cheapest, started_hours

BERLIN = ZoneInfo("Europe/Berlin")
START = datetime(2026, 3, 20, 10, 17, tzinfo=UTC)
hours = st.integers(min_value=1, max_value=2_000)
cents = st.integers(min_value=1, max_value=100_000)


def brute_force(length: int, hourly: int, daily: int, weekly: int | None) -> int:
    """min over w, d of w x weekly + d x daily + the hours left x hourly."""
    weeks = range(0, length // 168 + 2) if weekly is not None else range(1)
    return min(
        w * (weekly or 0) + d * daily + max(0, length - 168 * w - 24 * d) * hourly
        for w in weeks
        for d in range(0, max(0, length - 168 * w) // 24 + 2)
    )


@given(hours, cents, cents, st.none() | cents)
@settings(max_examples=400)
def test_takes_the_cheapest_combination_of_started_units(
    length: int, hourly: int, daily: int, weekly: int | None
) -> None:
    combination = cheapest(length, hourly, daily, weekly)
    assert combination.cents == brute_force(length, hourly, daily, weekly)
    assert combination.weeks * 168 + combination.days * 24 + combination.hours >= length
    assert combination.cents == (
        combination.weeks * (weekly or 0) + combination.days * daily + combination.hours * hourly
    )


@given(hours, cents, cents, st.none() | cents)
def test_the_caps_hold(length: int, hourly: int, daily: int, weekly: int | None) -> None:
    base = cheapest(length, hourly, daily, weekly).cents
    assert base <= length * hourly
    assert base <= -(-length // 24) * daily
    if weekly is not None:
        assert base <= -(-length // 168) * weekly


@given(
    st.timedeltas(min_value=timedelta(seconds=1), max_value=timedelta(days=30)),
    cents,
    cents,
)
@settings(max_examples=400)
def test_without_a_weekly_rate_it_is_todays_rule(
    length: timedelta, hourly: int, daily: int
) -> None:
    end = START + length
    combination = cheapest(started_hours(START, end), hourly, daily, None)
    assert combination.cents == price_cents(START, end, hourly, daily)
    unmatched = price_by_vehicle_rates(START, end, hourly, daily, "EUR")
    assert [(line.label, line.amount_cents) for line in unmatched.breakdown] == [
        (combination.label, combination.cents)
    ]


@pytest.mark.parametrize(
    ("length", "label"),
    [
        (1, "1 hour"),
        (5, "5 hours"),
        (7, "1 day"),  # 7 x 1000 > 6000
        (24, "1 day"),
        (27, "1 day + 3 hours"),
        (168, "1 week"),
        (145, "1 week"),  # 6 days + 1 hour = 37000 > 30000
        (219, "1 week + 2 days + 3 hours"),
        (337, "2 weeks + 1 hour"),
    ],
)
def test_names_the_combination(length: int, label: str) -> None:
    assert cheapest(length, 1_000, 6_000, 30_000).label == label


def test_a_tie_names_the_larger_unit() -> None:
    assert cheapest(6, 1_000, 6_000, None).label == "1 day"
    assert cheapest(168, 1_000, 6_000, 42_000).label == "1 week"


def test_counts_started_hours_in_absolute_time() -> None:
    assert started_hours(START, START + timedelta(minutes=1)) == 1
    assert started_hours(START, START + timedelta(hours=2)) == 2
    assert (
        started_hours(datetime(2026, 3, 29, tzinfo=BERLIN), datetime(2026, 3, 30, tzinfo=BERLIN))
        == 23
    )
    assert (
        started_hours(datetime(2026, 10, 25, tzinfo=BERLIN), datetime(2026, 10, 26, tzinfo=BERLIN))
        == 25
    )


def test_a_vehicle_without_a_policy_is_priced_by_its_own_rates() -> None:
    priced = price_by_vehicle_rates(START, START + timedelta(hours=27), 1_000, 6_000, "EUR")
    assert priced.price_cents == price_cents(START, START + timedelta(hours=27), 1_000, 6_000)
    assert [(line.label, line.amount_cents) for line in priced.breakdown] == [
        ("1 day + 3 hours", 9_000)
    ]
    assert (priced.currency, priced.policy_id, priced.demand, priced.deposit_cents) == (
        "EUR",
        None,
        None,
        0,
    )
