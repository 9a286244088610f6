"""The demo fleet's price list: one pricing policy per make and model, published by the
operator (the admin) through POST /v1/pricing/policies.

The terms depend only on the model and the first simulated year, never on the seed or
the run, and each is published under an Idempotency-Key derived from its body: a demo
restarted on an existing state replays the first answer instead of publishing again.
"""

from __future__ import annotations

import hashlib
import json
import random
import uuid
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

from deploy.simulator.client import Api, Principal, SimulatorError
from deploy.simulator.fleet import CATALOG, RATES
from shared.pricing.engine import price_window
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import (
    AppliesTo,
    DemandTier,
    Extra,
    PricingTerms,
    Rates,
    Season,
    TimeOfDay,
)

TIMEZONE = "Europe/Berlin"  # every simulated city is German
DEPOSIT_CENTS = {"compact": 20_000, "midsize": 30_000, "premium": 50_000}
DEPOSIT_CENTS |= {"electric": 40_000, "van": 40_000}
# Below 20 % booked a discount, from 50 % and 75 % a surge: the booked share of the
# model's cars, and a model has only a handful of them (six or seven in a fleet of 200).
DEMAND = ((0.0, 0.9), (0.2, 1.0), (0.5, 1.25), (0.75, 1.5))
EXTRAS = (
    Extra(code="child-seat", name="Child seat", price_cents=600, per="booking"),
    Extra(code="additional-driver", name="Additional driver", price_cents=800, per="day"),
)
RUSH_HOURS = ((time(7), time(9)), (time(16), time(19)))
_UNPRICED = uuid.UUID(int=0)  # the reference price is never cited: any id will do


@dataclass(frozen=True)
class Published:
    """A policy of the price list as the command service answered its publication."""

    policy_id: str
    version: int
    replayed: bool


def seasons(year: int) -> list[Season]:
    """A summer surcharge, a winter discount and the holidays, for `year` and the next."""
    found = []
    for y in (year, year + 1):
        found += [
            Season(start=date(y, 1, 1), end=date(y, 1, 6), multiplier=1.15, name="Holidays"),
            Season(start=date(y, 1, 7), end=date(y, 3, 15), multiplier=0.85, name="Winter"),
            Season(start=date(y, 6, 15), end=date(y, 9, 15), multiplier=1.2, name="Summer"),
            Season(start=date(y, 11, 1), end=date(y, 12, 19), multiplier=0.9, name="Late autumn"),
            Season(start=date(y, 12, 20), end=date(y, 12, 31), multiplier=1.15, name="Holidays"),
        ]
    return found


def time_of_day() -> list[TimeOfDay]:
    """Weekday rush hours and busy weekend days."""
    rules = [
        TimeOfDay(
            weekdays=[1, 2, 3, 4, 5], start_time=a, end_time=b, multiplier=1.15, name="Rush hour"
        )
        for a, b in RUSH_HOURS
    ]
    weekend = TimeOfDay(
        weekdays=[6, 7], start_time=time(9), end_time=time(19), multiplier=1.1, name="Weekend"
    )
    return [*rules, weekend]


def model_rates(model: str, category: str) -> Rates:
    """The model's rate table, inside its category's range (stable: drawn from its name)."""
    draw = random.Random(f"rates/{model}")
    (low, high), (day_low, day_high) = RATES[category]
    hourly = draw.randrange(low, high + 1, 10)
    daily = int(hourly * draw.uniform(day_low, day_high)) // 100 * 100
    return Rates(hourly_cents=hourly, daily_cents=daily, weekly_cents=daily * 11 // 2 // 100 * 100)


def model_terms(make: str, model: str, category: str, year: int) -> PricingTerms:
    """One model's policy: rates, seasons, rush hours, weekend, demand tiers, extras, deposit."""
    return PricingTerms(
        name=f"Demo fleet {year}: {make} {model}",
        currency="EUR",
        applies_to=AppliesTo(make=make, model=model),
        priority=year - 2000,  # a later year's price list outranks an earlier one
        rates=model_rates(model, category),
        seasons=seasons(year),
        time_of_day=time_of_day(),
        demand=[DemandTier(min_utilization=u, multiplier=m) for u, m in DEMAND],
        extras=list(EXTRAS),
        deposit_cents=DEPOSIT_CENTS[category],
        timezone=TIMEZONE,
    )


def price_list(models: set[tuple[str, str]], year: int) -> dict[tuple[str, str], PricingTerms]:
    """The policy of each (make, model) of the fleet, in catalogue order."""
    found = {}
    for make, (_, _, entries) in CATALOG.items():
        for model, _, category in entries:
            if (make, model) in models:
                found[make, model] = model_terms(make, model, category, year)
    return found


def body_of(terms: PricingTerms) -> dict[str, Any]:
    """The POST /v1/pricing/policies body."""
    return terms.model_dump(mode="json", exclude_none=True)


def idempotency_key(body: dict[str, Any]) -> str:
    """The same body, the same key: a restart replays instead of publishing again."""
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":")).encode()
    return "sim-pricing-" + hashlib.sha256(canonical).hexdigest()[:32]


async def publish(api: Api, operator: Principal | None, terms: PricingTerms) -> Published:
    """Publish one policy, or replay its first publication."""
    body = body_of(terms)
    resp = await api.send(
        "publish_policy", operator, "POST", "/v1/pricing/policies", body, idempotency_key(body)
    )
    if resp.status_code != 201:
        raise SimulatorError(f"publishing {terms.name!r}: {resp.status_code} {resp.text}")
    answer = resp.json()
    replayed = resp.headers.get("idempotent-replayed") == "true"
    return Published(str(answer["policy_id"]), int(answer["version"]), replayed)


def list_price(terms: PricingTerms, start: datetime, end: datetime, extras: list[str]) -> int:
    """What the window costs by the rate table and extras alone: no season, time of day
    or demand multiplier (the price a customer expects, to compare a quote with)."""
    plain = terms.model_copy(update={"seasons": [], "time_of_day": [], "demand": []})
    policy = PolicyVersion(_UNPRICED, 1, _UNPRICED, plain)
    return price_window(
        policy, start, end, booked_hours=0, capacity_hours=0, extras=extras
    ).price_cents
