"""Building blocks of the pricing specs: named seasons, time-of-day rules, tiers, extras."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms

POLICY_ID = UUID("00000000-0000-4000-8000-000000000015")
ORGANIZATION_ID = UUID("00000000-0000-4000-8000-0000000000aa")

SUMMER = {"start": "2026-07-01", "end": "2026-08-31", "multiplier": 1.2, "name": "Summer"}
HALF_UP = {"start": "2026-07-01", "end": "2026-08-31", "multiplier": 1.5, "name": "Peak"}
# Friday and Saturday nights, 22:00 to 06:00 the next morning.
NIGHT = {
    "weekdays": [5, 6],
    "start_time": "22:00",
    "end_time": "06:00",
    "multiplier": 1.5,
    "name": "Night",
}
WEEKEND = {
    "weekdays": [6, 7],
    "start_time": "10:00",
    "end_time": "18:00",
    "multiplier": 1.25,
    "name": "Weekend",
}
SURGE = [{"min_utilization": 0.5, "multiplier": 1.1}, {"min_utilization": 0.8, "multiplier": 1.3}]
QUIET = [{"min_utilization": 0.0, "multiplier": 0.85}, {"min_utilization": 0.4, "multiplier": 1.0}]
SEAT = {"code": "seat", "name": "Child seat", "price_cents": 500, "per": "day"}
GPS = {"code": "gps", "name": "GPS", "price_cents": 1500, "per": "booking"}
RATES = {"hourly_cents": 1_000, "daily_cents": 6_000, "weekly_cents": 30_000}


def terms(**parts: Any) -> PricingTerms:
    """Terms in Europe/Berlin with the usual rates, overridden by `parts`."""
    body: dict[str, Any] = {
        "name": "Spec policy",
        "currency": "EUR",
        "rates": RATES,
        "timezone": "Europe/Berlin",
        "deposit_cents": 30_000,
    }
    return PricingTerms.model_validate(body | parts)


def policy(the_terms: PricingTerms, version: int = 1, policy_id: UUID = POLICY_ID) -> PolicyVersion:
    """One version of a policy of the spec organization."""
    return PolicyVersion(policy_id, version, ORGANIZATION_ID, the_terms)


def utc(text: str) -> datetime:
    """'2026-06-02 10:00' as a UTC instant."""
    return datetime.fromisoformat(text).replace(tzinfo=UTC)
