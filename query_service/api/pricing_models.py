"""Response shapes of the pricing reads, for the OpenAPI document (routes render dicts)."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from pydantic import BaseModel, Field

from shared.pricing.terms import PricingTerms


class PricingPolicy(BaseModel):
    """A pricing policy of the caller's organization, as its current version left it."""

    policy_id: UUID
    organization_id: UUID
    version: int = Field(description="The current (latest) version.")
    terms: PricingTerms = Field(description="The current version's terms, whole.")
    published_at: datetime = Field(description="When version 1 was published.")
    updated_at: datetime = Field(description="When the current version was published.")


class PricingPolicyVersion(BaseModel):
    version: int
    published_at: datetime
    terms: PricingTerms


class PricingPolicyDetail(PricingPolicy):
    versions: list[PricingPolicyVersion] = Field(
        description="Every version, oldest first (only the one asked for with `version`)."
    )


class Revenue(BaseModel):
    actual_cents: int = Field(description="What the bookings were priced at when booked.")
    hypothetical_cents: int = Field(description="Their price under the chosen policy version.")
    bookings: int = Field(description="Bookings repriced.")


class WhatIfDay(Revenue):
    day: date = Field(description="The UTC day the bookings start on.")


class WhatIf(BaseModel):
    """The window's bookings repriced under one policy version (docs/pricing-read.md)."""

    start: datetime = Field(alias="from")
    end: datetime = Field(alias="to")
    policy_id: UUID
    version: int
    currency: str = Field(description="The policy version's.")
    totals: Revenue
    days: list[WhatIfDay] = Field(description="Days with repriced bookings, in order.")
    skipped_other_currency: int = Field(description="Bookings not in the policy's currency.")
    skipped_not_applicable: int = Field(
        description="Bookings of vehicles the policy version does not apply to."
    )
