"""What price_window records besides the amount, and the windows and extras it refuses."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from shared.pricing.engine import DuplicateExtraError, UnknownExtraError, price_window
from shared.pricing.priced import DemandFigure
from tests.unit.pricing.policies import GPS, POLICY_ID, SEAT, SURGE, policy, terms, utc

START = utc("2026-06-02 10:00")
OFFERED = policy(terms(demand=SURGE, extras=[SEAT, GPS]), version=3)


def test_records_what_re_derives_the_price() -> None:
    priced = price_window(
        OFFERED, START, START + timedelta(hours=30), booked_hours=2, capacity_hours=3,
        extras=["gps", "seat"],
    )  # fmt: skip
    assert (priced.policy_id, priced.policy_version, priced.currency) == (POLICY_ID, 3, "EUR")
    assert priced.demand == DemandFigure(
        booked_hours=2, capacity_hours=3, utilization=0.6667, multiplier=1.1
    )
    assert priced.extras == ["gps", "seat"]
    assert [line.label for line in priced.breakdown][-2:] == [
        "GPS (per booking)",
        "Child seat (2 days)",
    ]
    assert priced.deposit_cents == 30_000
    assert priced.quote_id is None


def test_below_every_tier_the_demand_multiplier_is_one_and_no_line_is_added() -> None:
    priced = price_window(
        OFFERED, START, START + timedelta(hours=2), booked_hours=1, capacity_hours=4
    )
    assert priced.demand == DemandFigure(
        booked_hours=1, capacity_hours=4, utilization=0.25, multiplier=1.0
    )
    assert [line.label for line in priced.breakdown] == ["2 hours"]


def test_refuses_an_extra_the_policy_does_not_offer() -> None:
    with pytest.raises(UnknownExtraError, match="offers no extra 'wifi'"):
        price_window(OFFERED, START, START + timedelta(hours=1), booked_hours=0,
                     capacity_hours=0, extras=["wifi"])  # fmt: skip


def test_refuses_an_extra_requested_twice() -> None:
    with pytest.raises(DuplicateExtraError, match="'seat' is requested more than once"):
        price_window(OFFERED, START, START + timedelta(hours=1), booked_hours=0,
                     capacity_hours=0, extras=["seat", "seat"])  # fmt: skip


@pytest.mark.parametrize("length", [timedelta(0), timedelta(hours=-1)])
def test_refuses_a_window_that_does_not_end_after_it_starts(length: timedelta) -> None:
    with pytest.raises(ValueError, match="must end after it starts"):
        price_window(OFFERED, START, START + length, booked_hours=0, capacity_hours=0)


def test_refuses_a_window_without_a_timezone() -> None:
    naive = datetime(2026, 6, 2, 10)
    with pytest.raises(ValueError, match="timezone-aware"):
        price_window(OFFERED, naive, naive + timedelta(hours=1), booked_hours=0, capacity_hours=0)


def test_refuses_negative_demand_counts() -> None:
    with pytest.raises(ValueError, match="cannot be negative"):
        price_window(OFFERED, START, START + timedelta(hours=1), booked_hours=-1, capacity_hours=5)
