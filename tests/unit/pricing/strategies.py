"""Hypothesis strategies for the pricing specs: consistent terms, windows, demand."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from hypothesis import strategies as st
from pydantic import ValidationError

from shared.pricing.terms import PricingTerms

ZONES = ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata", "Australia/Lord_Howe"]
YEAR_START = date(2026, 1, 1)

# Decimals with at most 4 places, 0.5 to 3.
multipliers = st.integers(min_value=5_000, max_value=30_000).map(lambda n: n / 10_000)


@st.composite
def rates(draw: st.DrawFn) -> dict[str, Any]:
    """hourly <= daily <= weekly, weekly optional."""
    hourly = draw(st.integers(min_value=1, max_value=5_000))
    daily = draw(st.integers(min_value=hourly, max_value=60_000))
    weekly = draw(st.none() | st.integers(min_value=daily, max_value=300_000))
    return {"hourly_cents": hourly, "daily_cents": daily, "weekly_cents": weekly}


@st.composite
def seasons(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Up to three seasons in 2026, apart from each other."""
    days = sorted(draw(st.sets(st.integers(min_value=0, max_value=420), max_size=6)))
    pairs = list(zip(days[::2], days[1::2], strict=False))
    return [
        {
            "start": YEAR_START + timedelta(days=first),
            "end": YEAR_START + timedelta(days=last),
            "multiplier": draw(multipliers),
            "name": f"S{index}",
        }
        for index, (first, last) in enumerate(pairs)
    ]


@st.composite
def time_of_day(draw: st.DrawFn, base: dict[str, Any]) -> list[dict[str, Any]]:
    """Up to three rules that do not cover the same time (night rules may wrap)."""
    rules: list[dict[str, Any]] = []
    for _ in range(draw(st.integers(min_value=0, max_value=3))):
        start = draw(st.integers(min_value=0, max_value=47)) * 30
        end = (start + draw(st.integers(min_value=1, max_value=47)) * 30) % 1_440
        rule = {
            "weekdays": sorted(draw(st.sets(st.integers(1, 7), min_size=1))),
            "start_time": f"{start // 60:02d}:{start % 60:02d}",
            "end_time": f"{end // 60:02d}:{end % 60:02d}",
            "multiplier": draw(multipliers),
        }
        try:
            PricingTerms.model_validate(base | {"time_of_day": [*rules, rule]})
        except ValidationError:
            continue
        rules.append(rule)
    return rules


@st.composite
def demand(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Tiers whose multipliers never fall as utilization rises."""
    cuts = sorted(draw(st.sets(st.integers(min_value=0, max_value=100), max_size=4)))
    values = sorted(draw(st.lists(multipliers, min_size=len(cuts), max_size=len(cuts))))
    if cuts and cuts[0] != 0:
        values = [max(value, 1.0) for value in values]
    return [
        {"min_utilization": c / 100, "multiplier": m} for c, m in zip(cuts, values, strict=True)
    ]


@st.composite
def pricing_terms(draw: st.DrawFn) -> PricingTerms:
    """Whole, consistent terms of a policy version."""
    base: dict[str, Any] = {
        "name": "Drawn",
        "currency": "EUR",
        "rates": draw(rates()),
        "timezone": draw(st.sampled_from(ZONES)),
        "deposit_cents": draw(st.integers(min_value=0, max_value=100_000)),
        "seasons": draw(seasons()),
        "demand": draw(demand()),
        "extras": [
            {"code": f"x{i}", "name": f"Extra {i}", "price_cents": price, "per": per}
            for i, (price, per) in enumerate(
                draw(
                    st.lists(
                        st.tuples(st.integers(0, 5_000), st.sampled_from(["booking", "day"])),
                        max_size=3,
                    )
                )
            )
        ],
    }
    return PricingTerms.model_validate(base | {"time_of_day": draw(time_of_day(base))})


starts = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2026, 12, 31), timezones=st.just(UTC)
)
lengths = st.timedeltas(min_value=timedelta(minutes=1), max_value=timedelta(days=40))


@st.composite
def demand_counts(draw: st.DrawFn) -> tuple[int, int]:
    """(booked_hours, capacity_hours), booked within capacity."""
    capacity = draw(st.integers(min_value=0, max_value=10_000))
    return draw(st.integers(min_value=0, max_value=capacity)), capacity
