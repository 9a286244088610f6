"""The payment steps that call the provider, each outcome recorded as a payment event.

Each call's idempotency key derives from the stored event that caused it
(`provider.idempotency_key`), so a step retried after a timeout or a crash between the
provider's answer and the append asks the provider the same question under the same
key, gets the first answer back, and records it once.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

import asyncpg
import structlog

from command_service import metrics
from command_service.application.handler import CommandContext, CommandHandler
from command_service.application.streams import StreamHandler
from command_service.domain import commands as cmd
from command_service.domain.errors import DomainError
from command_service.payments import stream
from command_service.payments.facts import hold_story
from command_service.payments.provider import PaymentDeclinedError, PaymentProvider, idempotency_key
from command_service.payments.rules import Settle
from command_service.store.event_store import EventStore

log = structlog.get_logger("command_service.payments")
ACTOR = "system:payments"
Outcome = Literal["authorized", "pending", "declined"]
_PENDING = (
    "UPDATE payments SET status = 'pending', authorization_id = $2"
    " WHERE payment_id = $1 AND status = 'started'"
)


def context(cause: str) -> CommandContext:
    """The command context of the manager's writes."""
    return CommandContext(
        correlation_id=f"payment-{uuid.uuid4().hex}", causation_id=cause, actor=ACTOR
    )


@dataclass
class PaymentSteps:
    """Authorize, confirm and settle one payment."""

    pool: asyncpg.Pool
    streams: StreamHandler
    handler: CommandHandler
    provider: PaymentProvider
    vehicles: EventStore

    async def state(self, payment_id: UUID) -> stream.PaymentState | None:
        """The payment as its events fold."""
        stored = await self.streams.store.load(stream.PAYMENTS.name, payment_id)
        return stream.fold_payment(stored.events) if stored else None

    async def authorize(self, state: stream.PaymentState, card_token: str) -> Outcome:
        """Ask for price + deposit; a pending answer waits for the provider's webhook."""
        started = state.started
        key = idempotency_key(started.event_id, "authorize")
        try:
            answer = await self.provider.authorize(
                started.amount_cents, started.currency, card_token, str(started.payment_id), key
            )
        except PaymentDeclinedError as exc:
            metrics.PAYMENT_CALLS.labels("authorize", "declined").inc()
            await self._record(
                started.payment_id, stream.RecordDeclined(exc.reason, exc.authorization_id)
            )
            return "declined"
        metrics.PAYMENT_CALLS.labels(
            "authorize", "ok" if answer.status == "authorized" else "pending"
        ).inc()
        if answer.status == "pending":
            await self.pool.execute(_PENDING, started.payment_id, answer.authorization_id)
            return "pending"
        await self._record(
            started.payment_id,
            stream.RecordAuthorized(answer.authorization_id, answer.amount_cents, key),
        )
        return "authorized"

    async def confirm(self, state: stream.PaymentState) -> bool:
        """Confirm the paid hold into the payment's booking; False when the vehicle
        refuses (the hold expired or was released meanwhile: the payment is voided)."""
        started = state.started
        command = cmd.ConfirmHold(hold_id=started.hold_id, booking_id=started.booking_id)
        try:
            await self.handler.on_entity(
                started.hold_id, "hold", command, context(str(started.payment_id))
            )
        except DomainError as exc:
            if await self._booked(state):  # the request and the manager both confirmed it
                return True
            log.info(
                "paid_hold_not_confirmed", payment_id=str(started.payment_id), reason=exc.detail
            )
            return False
        return True

    async def _booked(self, state: stream.PaymentState) -> bool:
        """Whether the payment's booking exists."""
        started = state.started
        story = await hold_story(self.pool, started.vehicle_id, started.hold_id, started.booking_id)
        booking = story.booking if story is not None else None
        return booking is not None and booking.booking_id == started.booking_id

    async def settle(self, state: stream.PaymentState, settle: Settle) -> None:
        """Capture what is owed and release the rest, or void it all when nothing is."""
        assert state.authorization_id is not None
        if settle.capture_cents > 0:
            key = idempotency_key(settle.cause_id, "capture")
            taken = await self.provider.capture(state.authorization_id, settle.capture_cents, key)
            metrics.PAYMENT_CALLS.labels("capture", "ok").inc()
            done = stream.RecordSettlement(
                settle.settlement, taken.captured_cents, taken.released_cents, taken.capture_id, key
            )
        else:
            key = idempotency_key(settle.cause_id, "void")
            voided = await self.provider.void(state.authorization_id, key)
            metrics.PAYMENT_CALLS.labels("void", "ok").inc()
            done = stream.RecordSettlement(
                settle.settlement, 0, voided.released_cents, voided.authorization_id, key
            )
        await self._record(state.started.payment_id, done)
        log.info(
            "payment_settled",
            payment_id=str(state.started.payment_id),
            settlement=settle.settlement,
            captured_cents=done.captured_cents,
        )

    async def _record(self, payment_id: UUID, command: stream.PaymentCommand) -> None:
        await self.streams.run(stream.PAYMENTS, payment_id, command, context(str(payment_id)))
