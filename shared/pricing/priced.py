"""What pricing decided for one window: the price, its breakdown and everything needed to
derive it again (policy version, demand figure, extras). Recorded on holds, bookings and
quotes; the same inputs always give the same `Priced`."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from pydantic import Field

from shared.pricing.terms import PricingTerms, Terms


@dataclass(frozen=True)
class PolicyVersion:
    """One version of one organization's pricing policy."""

    policy_id: UUID
    version: int
    organization_id: UUID
    terms: PricingTerms


class BreakdownLine(Terms):
    """One line of a price; the lines of a breakdown sum exactly to the price."""

    label: str
    amount_cents: int


class DemandFigure(Terms):
    """The booked share of the policy's vehicles over the window, as counted when the
    price was decided: `booked_hours / capacity_hours` (vehicle-hours), and the multiplier
    of the highest tier it reached (1 when none)."""

    booked_hours: int = Field(ge=0)
    capacity_hours: int = Field(ge=0)
    utilization: float = Field(ge=0)
    multiplier: float = Field(gt=0)


class Priced(Terms):
    """A decided price: `price_cents` is the sum of `breakdown`; the deposit is apart."""

    price_cents: int = Field(ge=0)
    currency: str
    breakdown: list[BreakdownLine]
    deposit_cents: int = Field(default=0, ge=0)
    extras: list[str] = Field(default_factory=list)
    policy_id: UUID | None = None  # None: the vehicle's own hourly and daily rates
    policy_version: int | None = None
    demand: DemandFigure | None = None
    quote_id: UUID | None = None  # the quote whose price this is, if one was named
