"""Payments, command side (API.md "Payments"): pay for a hold; the provider's webhooks."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request
from pydantic import BaseModel, Field
from starlette.responses import Response

from command_service.api import links
from command_service.api import response_models as rm
from command_service.api.http import actor_of, command_context
from command_service.api.schemas import Strict, example
from command_service.api.stream_routes import history
from command_service.payments.checkout import pay_for_hold
from command_service.payments.provider import InvalidWebhookError
from command_service.payments.steps import PaymentSteps
from command_service.payments.stream import PAYMENTS, PaymentNotFoundError
from command_service.payments.webhooks import apply_webhook
from shared.kit.auth.dependencies import require_role
from shared.kit.clock import system_clock
from shared.kit.http.responses import JSON, problem

router = APIRouter(prefix="/v1", tags=["payments"])


class PayBody(Strict):
    model_config = example(card_token="tok_visa")
    card_token: str = Field(min_length=1, max_length=200, description="The provider's card token.")


class PaymentAnswer(BaseModel):
    """The payment of a hold: `authorized` confirmed the hold into `booking_id`;
    `pending` waits for the provider's answer by webhook."""

    payment_id: UUID
    hold_id: UUID
    status: Literal["authorized", "pending"]
    amount_cents: int = Field(description="Authorized (or asked for): the price + deposit.")
    currency: str
    booking_id: UUID | None = None


class WebhookAnswer(BaseModel):
    """The webhook was received (also a duplicate, which changes nothing)."""

    received: Literal["applied", "duplicate", "ignored"]


def steps_of(request: Request) -> PaymentSteps:
    steps: PaymentSteps = request.app.state.payments.steps
    return steps


@router.post(
    "/holds/{hold_id}/payment",
    status_code=201,
    response_model=PaymentAnswer,
    responses={201: {"description": PaymentAnswer.__doc__, "links": links.PAYMENT_LINKS}},
    dependencies=[Depends(require_role("customer", "fleet_manager", "admin"))],
)
async def pay_hold(hold_id: UUID, body: PayBody, request: Request) -> JSON:
    """Authorize the hold's price + deposit on the card and confirm the hold into a
    booking; 402 declined (the hold stays until it expires), 409 hold no longer active or
    already paid."""
    state = request.app.state
    ctx = await command_context(request)
    paid = await pay_for_hold(
        steps_of(request),
        actor_of(request),
        hold_id,
        body.card_token,
        state.clock(),
        state.new_id,
        ctx,
    )
    answer = PaymentAnswer(**vars(paid))
    return JSON(answer.model_dump(mode="json", exclude_none=True), status_code=201)


@router.get(
    "/payments/{payment_id}/history",
    tags=["event log"],
    response_model=rm.PaymentHistory,
    dependencies=[Depends(require_role("fleet_manager", "admin", "service"))],
)
async def payment_history(
    payment_id: UUID,
    request: Request,
    after_version: int = Query(0, ge=0, le=2**31 - 1),
    limit: int = Query(1000, ge=1, le=10000),
) -> JSON:
    """Every stored event of a payment, oldest first, with its metadata (the audit trail;
    the query side heals its payments read model from it)."""

    def unknown(stream_id: UUID) -> PaymentNotFoundError:
        return PaymentNotFoundError(f"no payment with id {stream_id}")

    return await history(request, PAYMENTS.name, payment_id, after_version, limit, unknown)


@router.post("/payments/webhooks/{provider}", response_model=WebhookAnswer)
async def receive_webhook(provider: Literal["sandbox", "stripe"], request: Request) -> Response:
    """A payment provider's signed event; 400 (nothing written) on a bad signature or a
    stale timestamp, 200 also for a duplicate; 404 for a provider this service does not
    use."""
    steps = steps_of(request)
    if provider != steps.provider.name:
        return problem(404, "Not found", f"no payment provider {provider} here", "unknown-provider")
    try:
        # Signatures carry the provider's wall-clock time, whatever clock the service runs.
        event = steps.provider.parse_webhook(request.headers, await request.body(), system_clock())
    except InvalidWebhookError as exc:
        return problem(400, "Invalid webhook", str(exc), "invalid-webhook")
    return JSON({"received": await apply_webhook(steps, provider, event)})
