"""Cost of pricing one window: `python -m bench.pricing_engine`.

Calls shared.pricing.engine.price_window in a loop for windows of 1 hour, 1 day, 7 days
and 30 days, under a full policy (Europe/Berlin, two seasons, three time-of-day rules
including a night that wraps midnight, demand tiers, two extras) and under one with rates
only; prints calls per second and microseconds per call (best of ROUNDS).
"""

from __future__ import annotations

import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

from shared.pricing.engine import price_window
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms

ROUNDS = 5
BUDGET_S = 0.2  # per round
START = datetime(2026, 3, 20, 9, 30, tzinfo=UTC)  # the 30-day window crosses DST
WINDOWS = {
    "1 hour": timedelta(hours=1),
    "1 day": timedelta(days=1),
    "7 days": timedelta(days=7),
    "30 days": timedelta(days=30),
}
RATES = {"hourly_cents": 1_200, "daily_cents": 7_000, "weekly_cents": 35_000}
FULL = {
    "seasons": [
        {"start": "2026-03-27", "end": "2026-04-12", "multiplier": 1.15, "name": "Easter"},
        {"start": "2026-07-01", "end": "2026-08-31", "multiplier": 1.25, "name": "Summer"},
    ],
    "time_of_day": [
        {"weekdays": [5, 6], "start_time": "22:00", "end_time": "06:00", "multiplier": 1.5},
        {"weekdays": [6, 7], "start_time": "10:00", "end_time": "18:00", "multiplier": 1.2},
        {
            "weekdays": [1, 2, 3, 4, 5],
            "start_time": "07:00",
            "end_time": "09:30",
            "multiplier": 1.1,
        },
    ],
    "demand": [
        {"min_utilization": 0, "multiplier": 0.9},
        {"min_utilization": 0.6, "multiplier": 1.0},
        {"min_utilization": 0.85, "multiplier": 1.3},
    ],
    "extras": [
        {"code": "seat", "name": "Child seat", "price_cents": 500, "per": "day"},
        {"code": "driver", "name": "Additional driver", "price_cents": 1_500, "per": "booking"},
    ],
}


def policy(parts: dict[str, object]) -> PolicyVersion:
    """A policy version priced in Europe/Berlin."""
    body = {"name": "Bench", "currency": "EUR", "rates": RATES, "timezone": "Europe/Berlin"}
    terms = PricingTerms.model_validate(body | parts)
    return PolicyVersion(uuid.uuid4(), 1, uuid.uuid4(), terms)


def calls_per_second(version: PolicyVersion, length: timedelta, extras: list[str]) -> float:
    """Best of ROUNDS rounds of BUDGET_S seconds each."""
    end, best = START + length, 0.0
    for _ in range(ROUNDS):
        calls, began = 0, time.perf_counter()
        while (elapsed := time.perf_counter() - began) < BUDGET_S:
            for _ in range(10):
                price_window(
                    version, START, end, booked_hours=700, capacity_hours=1_000, extras=extras
                )
            calls += 10
        best = max(best, calls / elapsed)
    return best


def main() -> None:
    """Print one table row per policy and window."""
    rows = [f"{'policy':<12}{'window':<10}{'calls/s':>12}{'us/call':>10}"]
    for name, parts, extras in (("full", FULL, ["seat", "driver"]), ("rates only", {}, [])):
        version = policy(parts)
        for label, length in WINDOWS.items():
            rate = calls_per_second(version, length, extras)
            rows.append(f"{name:<12}{label:<10}{rate:>12,.0f}{1e6 / rate:>10.1f}")
    sys.stdout.write("\n".join(rows) + "\n")


if __name__ == "__main__":
    main()
