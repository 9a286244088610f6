"""A verified provider webhook applied to its payment, exactly once.

The provider's event id is recorded in `payment_webhooks` in the transaction of what
the webhook causes, so a duplicate finds it and changes nothing. Late and out-of-order
events are harmless: the payment's state decides (a pending authorization's outcome is
recorded once; the manager's own captures and voids are already events, so their
webhooks only confirm them).
"""

from __future__ import annotations

from typing import Literal

import asyncpg

from command_service.domain.errors import DomainError
from command_service.payments import stream
from command_service.payments.provider import EventKind, ProviderEvent, idempotency_key
from command_service.payments.steps import PaymentSteps, context

Applied = Literal["applied", "duplicate", "ignored"]
_SEEN = "SELECT 1 FROM payment_webhooks WHERE provider = $1 AND event_id = $2"
_REMEMBER = (
    "INSERT INTO payment_webhooks (provider, event_id) VALUES ($1, $2) ON CONFLICT DO NOTHING"
)
_PAYMENT = "SELECT payment_id FROM payments WHERE authorization_id = $1"


class UnknownAuthorizationError(DomainError):
    """No payment knows this authorization yet (its answer may still be on its way):
    the provider retries the webhook later."""


async def apply_webhook(steps: PaymentSteps, provider: str, event: ProviderEvent) -> Applied:
    """Record what `event` tells about a pending authorization; remember its id."""
    pool: asyncpg.Pool = steps.pool
    if await pool.fetchval(_SEEN, provider, event.event_id):
        return "duplicate"
    if event.kind not in (EventKind.AUTHORIZED, EventKind.DECLINED) or not event.authorization_id:
        await pool.execute(_REMEMBER, provider, event.event_id)
        return "ignored"
    payment_id = await pool.fetchval(_PAYMENT, event.authorization_id)
    state = await steps.state(payment_id) if payment_id else None
    if state is None:
        raise UnknownAuthorizationError(f"no payment with authorization {event.authorization_id}")
    command: stream.PaymentCommand
    if event.kind == EventKind.AUTHORIZED:
        key = idempotency_key(state.started.event_id, "authorize")
        amount = event.amount_cents or state.started.amount_cents
        command = stream.RecordAuthorized(event.authorization_id, amount, key)
    else:
        command = stream.RecordDeclined("declined", event.authorization_id)
    try:
        decision = await steps.streams.run(
            stream.after_webhook(provider, event.event_id),
            payment_id,
            command,
            context(event.event_id),
        )
    except asyncpg.UniqueViolationError:  # the same webhook, applied concurrently
        return "duplicate"
    if not decision.events:  # the state already showed it: nothing caused
        await pool.execute(_REMEMBER, provider, event.event_id)
        return "ignored"
    if decision.state.status == "authorized":
        await steps.confirm(decision.state)  # else the manager voids it
    return "applied"
