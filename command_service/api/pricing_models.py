"""Response shapes of prices (quotes, and the pricing fields of holds and bookings), for
the OpenAPI document; the bodies themselves are rendered by `priced_fields`."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import BaseModel, Field

from shared.pricing.priced import Priced


class Line(BaseModel):
    label: str
    amount_cents: int


class Demand(BaseModel):
    utilization: float = Field(description="Booked share of the policy's vehicle-hours.")
    multiplier: float


class PricedFields(BaseModel):
    """How the price was derived: its lines sum exactly to `price_cents`."""

    breakdown: list[Line]
    policy_id: UUID | None = Field(description="None: priced by the vehicle's own rates.")
    policy_version: int | None
    deposit_cents: int
    extras: list[str]


class Quote(BaseModel):
    """The quote: hold or book the same vehicle and window with `quote_id` before
    `expires_at` (15 minutes) to get exactly this price."""

    quote_id: UUID
    vehicle_id: UUID
    start: datetime
    end: datetime
    price_cents: int
    currency: str
    deposit_cents: int
    breakdown: list[Line]
    policy_id: UUID | None = Field(description="None: priced by the vehicle's own rates.")
    policy_version: int | None
    demand: Demand | None
    expires_at: datetime


def priced_fields(priced: Priced | None) -> dict[str, Any]:
    """The pricing fields of a hold or booking body (vehicle rates before policies)."""
    if priced is None:
        return {
            "breakdown": [],
            "policy_id": None,
            "policy_version": None,
            "deposit_cents": 0,
            "extras": [],
        }
    return {
        "breakdown": [line.model_dump() for line in priced.breakdown],
        "policy_id": priced.policy_id,
        "policy_version": priced.policy_version,
        "deposit_cents": priced.deposit_cents,
        "extras": list(priced.extras),
    }


def demand_body(priced: Priced) -> dict[str, Any] | None:
    """The demand figure a price cites, as API.md shows it."""
    if priced.demand is None:
        return None
    return {"utilization": priced.demand.utilization, "multiplier": priced.demand.multiplier}
