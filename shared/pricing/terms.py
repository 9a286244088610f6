"""The terms of one version of a pricing policy: the body of POST/PUT
/v1/pricing/policies, the data of its events, and the engine's input.

Money is integer cents. Multipliers are decimals with at most 4 places (1.25, 0.8): the
engine reads them as exact fractions, so the same terms always give the same cents.
Times of day, weekdays and season dates are read in the policy's `timezone`.
"""

from __future__ import annotations

from datetime import date, time
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

Cents = Annotated[int, Field(ge=0, le=100_000_000)]
PositiveCents = Annotated[int, Field(gt=0, le=100_000_000)]
Multiplier = Annotated[float, Field(gt=0, le=10, description="at most 4 decimal places")]
Code = Annotated[str, Field(min_length=1, max_length=32, pattern=r"^[a-z0-9][a-z0-9_-]*$")]
Label = Annotated[str, Field(min_length=1, max_length=120)]


class Terms(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class AppliesTo(Terms):
    """Which vehicles of the organization the policy prices: every given criterion must
    match (none given: every vehicle)."""

    vehicle_ids: list[UUID] | None = Field(default=None, max_length=10_000)
    make: Label | None = None
    model: Label | None = None
    location_id: UUID | None = None


class Rates(Terms):
    """The rate table: the cheapest combination of started hours, days and weeks."""

    hourly_cents: PositiveCents
    daily_cents: PositiveCents
    weekly_cents: PositiveCents | None = None


class Season(Terms):
    """Every hour whose local date is in [start, end] (both days included)."""

    start: date
    end: date
    multiplier: Multiplier
    name: Label | None = None


class TimeOfDay(Terms):
    """Every hour starting on one of `weekdays` (ISO: 1 = Monday) at a local time in
    [start_time, end_time); an end at or before the start runs past midnight."""

    weekdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(min_length=1, max_length=7)
    start_time: time
    end_time: time
    multiplier: Multiplier
    name: Label | None = None


class DemandTier(Terms):
    """Applies when the booked share of the policy's vehicles over the window is at
    least `min_utilization`; the highest matching tier wins."""

    min_utilization: Annotated[float, Field(ge=0, le=1)]
    multiplier: Multiplier


class Extra(Terms):
    """An add-on a customer may pick: priced once per booking or per started day."""

    code: Code
    name: Label
    price_cents: Cents
    per: Literal["booking", "day"]


class PricingTerms(Terms):
    """One version of a pricing policy, whole."""

    name: Label
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")]
    applies_to: AppliesTo = AppliesTo()
    priority: Annotated[int, Field(ge=0, le=1_000_000)] = 0
    rates: Rates
    seasons: list[Season] = Field(default_factory=list, max_length=366)
    time_of_day: list[TimeOfDay] = Field(default_factory=list, max_length=168)
    demand: list[DemandTier] = Field(default_factory=list, max_length=20)
    extras: list[Extra] = Field(default_factory=list, max_length=50)
    deposit_cents: Cents = 0
    timezone: Annotated[str, Field(min_length=1, max_length=64)] = "UTC"
