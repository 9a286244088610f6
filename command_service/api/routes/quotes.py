"""Quotes: the price of a window now, fixed for 15 minutes (docs/quotes-and-demand.md)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request

from command_service.api import links, schemas
from command_service.api.http import actor_of, principal_of
from command_service.api.pricing_models import Quote, demand_body
from command_service.application.quotes import Quotes
from command_service.store.quotes import Quote as StoredQuote
from shared.kit.auth.dependencies import require_role
from shared.kit.http.responses import JSON

router = APIRouter(
    prefix="/v1",
    tags=["quotes"],
    dependencies=[Depends(require_role("customer", "fleet_manager", "admin"))],
)


def quote_body(quote: StoredQuote) -> dict[str, Any]:
    """The quote as API.md shows it."""
    priced = quote.priced
    return {
        "quote_id": quote.quote_id,
        "vehicle_id": quote.vehicle_id,
        "start": quote.start,
        "end": quote.end,
        "price_cents": priced.price_cents,
        "currency": priced.currency,
        "deposit_cents": priced.deposit_cents,
        "breakdown": [line.model_dump() for line in priced.breakdown],
        "policy_id": priced.policy_id,
        "policy_version": priced.policy_version,
        "demand": demand_body(priced),
        "expires_at": quote.expires_at,
    }


_CREATED = {"description": Quote.__doc__, "links": links.QUOTE_LINKS}


@router.post("/quotes", status_code=201, response_model=Quote, responses={201: _CREATED})
async def make_quote(body: schemas.QuoteBody, request: Request) -> JSON:
    """The price a hold or booking of [start, end) on the vehicle gets now, with its
    breakdown, policy version and demand figure; valid for 15 minutes. Refused like
    that booking would be (404 vehicle, 409 not available, 422 window or extras)."""
    quotes: Quotes = request.app.state.quotes
    made = await quotes.quote(
        body.vehicle_id,
        body.start,
        body.end,
        body.extras,
        actor_of(request),
        principal_of(request).actor,
    )
    return JSON(quote_body(made), status_code=201)
