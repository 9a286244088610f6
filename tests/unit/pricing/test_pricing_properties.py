"""Properties of every price: exact sums, determinism, monotone multipliers, caps, DST."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from hypothesis import given, settings
from hypothesis import strategies as st

from shared.pricing.engine import price_window
from shared.pricing.priced import Priced
from shared.pricing.rate_table import cheapest, started_hours
from shared.pricing.terms import PricingTerms
from tests.unit.pricing.policies import policy, terms
from tests.unit.pricing.strategies import demand_counts, lengths, pricing_terms, starts

BERLIN = ZoneInfo("Europe/Berlin")
SETTINGS = settings(max_examples=150, deadline=None)


def price(
    the_terms: PricingTerms,
    start: datetime,
    length: timedelta,
    counts: tuple[int, int],
    extras: list[str] | None = None,
) -> Priced:
    """The price of [start, start + length) (absolute length) under a version of the terms."""
    end = (start.astimezone(UTC) + length).astimezone(start.tzinfo)
    return price_window(
        policy(the_terms),
        start,
        end,
        booked_hours=counts[0],
        capacity_hours=counts[1],
        extras=[e.code for e in the_terms.extras] if extras is None else extras,
    )


def raised(the_terms: PricingTerms, field: str, index: int, factor: float) -> PricingTerms:
    """The terms with one multiplier of `field` raised (validators skipped on purpose)."""
    items = list(getattr(the_terms, field))
    item = items[index % len(items)]
    items[index % len(items)] = item.model_copy(
        update={"multiplier": round(item.multiplier * factor, 4)}
    )
    return the_terms.model_copy(update={field: items})


@given(pricing_terms(), starts, lengths, demand_counts())
@SETTINGS
def test_the_breakdown_sums_exactly_to_the_price(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: tuple[int, int]
) -> None:
    priced = price(the_terms, start, length, counts)
    assert priced.price_cents == sum(line.amount_cents for line in priced.breakdown)
    assert all(type(line.amount_cents) is int for line in priced.breakdown)


@given(pricing_terms(), starts, lengths, demand_counts())
@SETTINGS
def test_no_amount_is_negative_or_fractional(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: tuple[int, int]
) -> None:
    priced = price(the_terms, start, length, counts)
    assert type(priced.price_cents) is int and priced.price_cents >= 0
    assert priced.breakdown[0].amount_cents > 0  # the rate table
    extras = priced.breakdown[len(priced.breakdown) - len(the_terms.extras) :]
    assert all(line.amount_cents >= 0 for line in extras)
    if _no_discounts(the_terms):
        assert all(line.amount_cents >= 0 for line in priced.breakdown)


def _no_discounts(the_terms: PricingTerms) -> bool:
    found = [*the_terms.seasons, *the_terms.time_of_day, *the_terms.demand]
    return all(item.multiplier >= 1 for item in found)


@given(pricing_terms(), starts, lengths, demand_counts())
@SETTINGS
def test_the_same_inputs_give_the_same_priced(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: tuple[int, int]
) -> None:
    stored = PricingTerms.model_validate_json(the_terms.model_dump_json())
    assert price(the_terms, start, length, counts) == price(stored, start, length, counts)
    elsewhere = start.astimezone(ZoneInfo(the_terms.timezone))
    assert price(the_terms, elsewhere, length, counts) == price(the_terms, start, length, counts)


@given(
    pricing_terms().filter(lambda t: bool(t.seasons)),
    starts,
    lengths,
    demand_counts(),
    st.integers(min_value=0, max_value=5),
    st.floats(min_value=1, max_value=3),
)
@SETTINGS
def test_a_higher_season_multiplier_never_lowers_the_price(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: Any, i: int, f: float
) -> None:
    higher = raised(the_terms, "seasons", i, f)
    assert price(the_terms, start, length, counts).price_cents <= (
        price(higher, start, length, counts).price_cents
    )


@given(
    pricing_terms().filter(lambda t: bool(t.time_of_day)),
    starts,
    lengths,
    demand_counts(),
    st.integers(min_value=0, max_value=5),
    st.floats(min_value=1, max_value=3),
)
@SETTINGS
def test_a_higher_time_of_day_multiplier_never_lowers_the_price(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: Any, i: int, f: float
) -> None:
    higher = raised(the_terms, "time_of_day", i, f)
    assert price(the_terms, start, length, counts).price_cents <= (
        price(higher, start, length, counts).price_cents
    )


@given(
    pricing_terms().filter(lambda t: bool(t.demand)),
    starts,
    lengths,
    demand_counts(),
    st.integers(min_value=0, max_value=5),
    st.floats(min_value=1, max_value=3),
)
@SETTINGS
def test_a_higher_demand_multiplier_never_lowers_the_price(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: Any, i: int, f: float
) -> None:
    higher = raised(the_terms, "demand", i, f)
    assert price(the_terms, start, length, counts).price_cents <= (
        price(higher, start, length, counts).price_cents
    )


@given(pricing_terms(), starts, lengths, demand_counts(), st.integers(0, 10_000))
@SETTINGS
def test_a_fuller_fleet_never_lowers_the_price(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: Any, more: int
) -> None:
    booked, capacity = counts
    fuller = (min(booked + more, capacity), capacity)
    assert price(the_terms, start, length, counts).price_cents <= (
        price(the_terms, start, length, fuller).price_cents
    )


@given(pricing_terms(), starts, lengths, demand_counts())
@SETTINGS
def test_the_rate_table_line_is_the_cheapest_combination(
    the_terms: PricingTerms, start: datetime, length: timedelta, counts: tuple[int, int]
) -> None:
    hours = started_hours(start, start + length)
    rates = the_terms.rates
    base = price(the_terms, start, length, counts).breakdown[0].amount_cents
    assert base == cheapest(hours, rates.hourly_cents, rates.daily_cents, rates.weekly_cents).cents
    assert base <= hours * rates.hourly_cents
    assert base <= -(-hours // 24) * rates.daily_cents
    if rates.weekly_cents is not None:
        assert base <= -(-hours // 168) * rates.weekly_cents


@given(
    st.datetimes(min_value=datetime(2026, 3, 27), max_value=datetime(2026, 3, 31))
    | st.datetimes(min_value=datetime(2026, 10, 23), max_value=datetime(2026, 10, 27)),
    st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=2)),
)
@SETTINGS
def test_dst_days_in_berlin_price_per_absolute_hour(wall: datetime, length: timedelta) -> None:
    hourly = terms(rates={"hourly_cents": 100, "daily_cents": 10_000})  # never capped by a day
    local_start = wall.replace(tzinfo=BERLIN)
    absolute_end = (local_start.astimezone(UTC) + length).astimezone(BERLIN)
    priced = price_window(
        policy(hourly), local_start, absolute_end, booked_hours=0, capacity_hours=0
    )
    assert priced.price_cents == 100 * -(-length // timedelta(hours=1))
