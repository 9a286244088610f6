"""GET /v1/analytics/pricing/what-if: a window's bookings repriced under one version of a
pricing policy, actual against hypothetical revenue per day (docs/pricing-read.md)."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import Query, Request
from pydantic import AwareDatetime

from query_service.api import models
from query_service.api import pricing_models as m
from query_service.api.consistency import read_router
from query_service.api.context import reader_of
from query_service.api.errors import InvalidQueryError, PricingPolicyNotFoundError
from query_service.api.queries.pricing import policy_version
from query_service.api.queries.what_if import Revenue, what_if
from shared.kit.http.responses import JSON

router = read_router("/v1/analytics", "analytics")
MAX_WINDOW = timedelta(days=366)
_Window = "RFC 3339 with offset; bookings whose start is in [from, to), at most 366 days."


def _figures(revenue: Revenue) -> dict[str, int]:
    return {
        "actual_cents": revenue.actual_cents,
        "hypothetical_cents": revenue.hypothetical_cents,
        "bookings": revenue.bookings,
    }


@router.get(
    "/pricing/what-if",
    summary="Reprice a window's bookings under one pricing policy version",
    response_model=m.WhatIf,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def pricing_what_if(
    request: Request,
    policy_id: Annotated[UUID, Query(description="The policy to reprice under.")],
    version: Annotated[int, Query(ge=1, le=2**31 - 1, description="Its version.")],
    start: Annotated[AwareDatetime, Query(alias="from", description=_Window)],
    end: Annotated[AwareDatetime, Query(alias="to", description=_Window)],
) -> JSON:
    """The organization's bookings starting in [from, to), not cancelled, in the policy's
    currency and on vehicles it applies to, each repriced by the engine with the demand
    counts and extras it recorded: actual against hypothetical revenue per UTC day of the
    booking's start, and in total."""
    if end <= start:
        raise InvalidQueryError("to must be after from", "to")
    if end - start > MAX_WINDOW:
        raise InvalidQueryError("the window may span at most 366 days", "to")
    db = reader_of(request)
    policy = await policy_version(db, policy_id, version)
    if policy is None:
        raise PricingPolicyNotFoundError(f"no version {version} of pricing policy {policy_id}")
    report = await what_if(db, policy, (start, end))
    body: dict[str, Any] = {
        "from": start, "to": end, "policy_id": policy_id, "version": version,
        "currency": policy.terms.currency, "totals": _figures(report.totals),
        "days": [{"day": day, **_figures(report.days[day])} for day in sorted(report.days)],
        "skipped_other_currency": report.skipped_other_currency,
        "skipped_not_applicable": report.skipped_not_applicable,
    }  # fmt: skip
    return JSON(body)
