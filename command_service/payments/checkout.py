"""POST /v1/holds/{hold_id}/payment: start a payment for a hold, authorize price +
deposit, and confirm the hold into its booking when the provider says yes."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

import asyncpg

from command_service import metrics
from command_service.application.handler import CommandContext
from command_service.domain.actor import Actor
from command_service.domain.errors import DomainError, UnknownEntityError
from command_service.payments import stream
from command_service.payments.facts import HoldStory, hold_story, vehicle_of_hold
from command_service.payments.provider import PaymentProviderError
from command_service.payments.rules import deposit_of
from command_service.payments.steps import PaymentSteps
from shared.contract import events as ev
from shared.contract import payment_events as pe
from shared.kit.clock import IdFactory


class HoldNotPayableError(DomainError):
    """The hold expired, was released, confirmed or is already paid."""


class PaymentRequiredError(DomainError):
    """The organization takes payments: a customer books through a hold and pays for it."""


class CardDeclinedError(DomainError):
    """The provider declined the card: 402; the hold stays until it expires."""

    def __init__(self, detail: str, payment_id: UUID) -> None:
        super().__init__(detail)
        self.payment_id = payment_id


@dataclass(frozen=True)
class Paid:
    payment_id: UUID
    hold_id: UUID
    status: str  # authorized | pending
    amount_cents: int
    currency: str
    booking_id: UUID | None


async def pay_for_hold(
    steps: PaymentSteps,
    actor: Actor,
    hold_id: UUID,
    card_token: str,
    now: datetime,
    new_id: IdFactory,
    ctx: CommandContext,
) -> Paid:
    """Pay for the caller's hold (404 for another's or an unknown one); `ctx` is the
    request's (the payment's first event is the customer's act)."""
    story = await _payable(steps.pool, actor, hold_id, now)
    placed = story.placed
    deposit, payment_id = deposit_of(story), new_id()
    started = pe.PaymentStarted(
        event_id=new_id(),
        version=1,
        occurred_at=now,
        organization_id=placed.organization_id,
        payment_id=payment_id,
        hold_id=hold_id,
        vehicle_id=story.vehicle_id,
        customer_id=placed.customer_id,
        booking_id=new_id(),
        provider=steps.provider.name,
        price_cents=placed.price_cents,
        deposit_cents=deposit,
        amount_cents=placed.price_cents + deposit,
        currency=placed.currency,
    )
    hourly = await _hourly_rate(steps, story)
    try:
        decision = await steps.streams.run(
            stream.starting(card_token, hourly),
            payment_id,
            stream.StartPayment(started),
            ctx,
        )
    except asyncpg.UniqueViolationError as exc:  # payments_one_per_hold
        raise HoldNotPayableError(f"hold {hold_id} is already paid") from exc
    try:
        outcome = await steps.authorize(decision.state, card_token)
    except PaymentProviderError:  # provider down or confused: the manager retries, same key
        metrics.PAYMENT_CALLS.labels("authorize", "error").inc()
        outcome = "pending"
    if outcome == "declined":
        raise CardDeclinedError(
            "the card was declined; the hold stays until it expires", payment_id
        )
    booking = None
    if outcome == "authorized":
        if not await steps.confirm(decision.state):
            raise HoldNotPayableError(
                "the hold ended while it was paid; the authorization is voided"
            )
        booking = started.booking_id
    return Paid(payment_id, hold_id, outcome, started.amount_cents, started.currency, booking)


async def _payable(pool: asyncpg.Pool, actor: Actor, hold_id: UUID, now: datetime) -> HoldStory:
    """The hold's story if the caller may pay for it now; 404 or 409 otherwise."""
    vehicle = await vehicle_of_hold(pool, hold_id)
    story = await hold_story(pool, vehicle, hold_id) if vehicle else None
    if story is None or not (
        actor.sees(story.placed.organization_id) and actor.may_act_for(story.placed.customer_id)
    ):
        raise UnknownEntityError.of("hold", hold_id)
    if story.confirmed or story.ended or story.placed.expires_at <= now:
        raise HoldNotPayableError(f"hold {hold_id} is no longer active")
    return story


async def _hourly_rate(steps: PaymentSteps, story: HoldStory) -> int:
    """The hourly rate the hold was priced with: its policy version's, else the vehicle's."""
    pricing = story.placed.pricing
    if pricing is not None and pricing.policy_id is not None:
        stored = await steps.streams.store.load("pricing_policy", pricing.policy_id)
        for event in stored.events if stored else []:
            if isinstance(event, ev.PricingPolicyEvent) and event.version == pricing.policy_version:
                return event.terms.rates.hourly_cents
    loaded = await steps.vehicles.load(story.vehicle_id)
    return loaded.state.hourly_rate_cents if loaded.state else 0
