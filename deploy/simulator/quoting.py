"""Customers ask for a quote before they book, and book only if the price suits them.

The roll that decides is drawn while planning; the answer only says whether the roll
passes (`behaviour.acceptance` of the quote's price against the list price). A customer
who goes ahead books (or holds) in the same simulated step, naming the quote, so the
booking takes the quoted price.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from deploy.simulator import behaviour as bh
from deploy.simulator.client import SimulatorError
from deploy.simulator.price_list import list_price
from deploy.simulator.world import Customer, QuoteSeen, SimVehicle
from shared.pricing.terms import PricingTerms


@dataclass(frozen=True)
class Wish:
    """What a customer wants and how price-sensitive they are this time."""

    customer: Customer
    vehicle: SimVehicle
    start: datetime
    end: datetime
    extras: list[str]
    roll: float  # uniform in [0, 1): goes ahead when below the acceptance


def quote_body(wish: Wish, iso: Callable[[datetime], str]) -> dict[str, Any]:
    """The POST /v1/quotes body."""
    body: dict[str, Any] = {"vehicle_id": wish.vehicle.vehicle_id}
    body |= {"start": iso(wish.start), "end": iso(wish.end)}
    if wish.extras:
        body["extras"] = wish.extras
    return body


def seen(
    seq: int, wish: Wish, answer: dict[str, Any], prices: Mapping[tuple[str, str], PricingTerms]
) -> QuoteSeen:
    """The quote against the list price of the vehicle's model (its policy as published)."""
    terms = prices.get((wish.vehicle.spec.make, wish.vehicle.spec.model))
    price = int(answer["price_cents"])
    listed = list_price(terms, wish.start, wish.end, wish.extras) if terms else price
    demand = answer.get("demand") or {}
    probe = QuoteSeen(
        seq,
        str(answer["quote_id"]),
        wish.vehicle.index,
        price,
        listed,
        float(demand.get("multiplier", 1.0)),
        float(demand.get("utilization", 0.0)),
        str(answer["policy_id"]) if answer.get("policy_id") else None,
        accepted=False,
    )
    return replace(probe, accepted=wish.roll < bh.acceptance(probe.ratio))


def counted(outcomes: Counter[str], quote: QuoteSeen) -> None:
    """The report's counters: asked, then accepted or walked away."""
    outcomes["quotes_asked"] += 1
    outcomes["quotes_accepted" if quote.accepted else "quotes_walked_away"] += 1


def refused(outcomes: Counter[str], status: int, answer: dict[str, Any]) -> None:
    """No quote (the car is not free): counted. A 404 means the service has no quotes
    (the simulator only quotes cars it registered): nothing sensible can follow."""
    if status == 404:
        detail = answer.get("detail") or answer.get("title") or "404"
        raise SimulatorError(f"POST /v1/quotes answered 404 ({detail}): does the server quote?")
    outcomes["quotes_asked"] += 1
    outcomes["quotes_refused"] += 1
