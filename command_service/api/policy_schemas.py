"""Request and response shapes of the pricing policy endpoints.

The body is a whole version of the terms (`PricingTerms`: strict, checked for
consistency); this module only gives it an OpenAPI example.
"""

from __future__ import annotations

from uuid import UUID

from pydantic import BaseModel, Field

from command_service.api.schemas import example
from shared.pricing.terms import PricingTerms


class PolicyBody(PricingTerms):
    """One whole version of a pricing policy: every field of the new version, not a patch."""

    model_config = example(
        name="Berlin summer weekends",
        currency="EUR",
        applies_to={"make": "Volkswagen"},
        priority=10,
        rates={"hourly_cents": 1500, "daily_cents": 7500, "weekly_cents": 39000},
        seasons=[{"start": "2027-07-01", "end": "2027-08-31", "multiplier": 1.2, "name": "Summer"}],
        time_of_day=[
            {"weekdays": [6, 7], "start_time": "10:00", "end_time": "18:00", "multiplier": 1.1}
        ],
        demand=[{"min_utilization": 0.8, "multiplier": 1.15}],
        extras=[{"code": "child-seat", "name": "Child seat", "price_cents": 500, "per": "booking"}],
        deposit_cents=30000,
        timezone="Europe/Berlin",
    )

    def terms(self) -> PricingTerms:
        """The terms as the events carry them (the plain model, not this documented one)."""
        return PricingTerms(**dict(self))


class PolicyWritten(BaseModel):
    """The policy's version after the write (a revision equal to the current terms
    answers the current version and writes nothing)."""

    policy_id: UUID
    version: int = Field(description="The policy stream's version after the write.")
    consistency_token: str = Field(
        description="Send as X-Consistency-Token to the query service to read this write."
    )
