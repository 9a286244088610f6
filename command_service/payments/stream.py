"""A payment as a kind of stream: its state folded from its events, the commands the
process manager and the webhook endpoint send it, and its row in the `payments` table.

Every decision is idempotent in the payment's state: recording an outcome the stream
already shows appends nothing, so a retried step, a late or duplicated webhook and the
manager racing the request that started the payment all leave one event per outcome.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from command_service.application.streams import StreamKind
from command_service.domain.errors import IdAlreadyUsedError, UnknownEntityError
from command_service.store.streams import HeadTable
from shared.contract import payment_events as pe
from shared.contract.events import StreamEvent
from shared.kit.clock import IdFactory

Status = Literal["started", "authorized", "declined", "settled"]


class PaymentNotFoundError(UnknownEntityError):
    """No such payment."""


@dataclass(frozen=True)
class PaymentState:
    version: int
    status: Status
    started: pe.PaymentStarted
    authorization_id: str | None = None


@dataclass(frozen=True)
class StartPayment:
    started: pe.PaymentStarted  # built by the caller; version and envelope fields set


@dataclass(frozen=True)
class RecordAuthorized:
    provider_ref: str
    amount_cents: int
    idempotency_key: str


@dataclass(frozen=True)
class RecordDeclined:
    reason: str
    provider_ref: str | None


@dataclass(frozen=True)
class RecordSettlement:
    """A capture (which releases the rest) or a void: the payment's last money movement."""

    settlement: pe.Settlement
    captured_cents: int
    released_cents: int
    provider_ref: str
    idempotency_key: str


PaymentCommand = StartPayment | RecordAuthorized | RecordDeclined | RecordSettlement
_STATUS: dict[type[StreamEvent], Status] = {
    pe.PaymentStarted: "started",
    pe.PaymentAuthorized: "authorized",
    pe.PaymentDeclined: "declined",
    pe.PaymentCaptured: "settled",
    pe.PaymentVoided: "settled",
}


def fold_payment(events: Sequence[StreamEvent]) -> PaymentState | None:
    """The payment after `events` (None for no events)."""
    state: PaymentState | None = None
    for event in events:
        if isinstance(event, pe.PaymentStarted):
            state = PaymentState(event.version, "started", event)
            continue
        assert state is not None, "a payment stream begins with PaymentStarted"
        status = _STATUS.get(type(event), state.status)
        ref = event.provider_ref if isinstance(event, pe.PaymentAuthorized) else None
        state = replace(
            state,
            version=event.version,
            status=status,
            authorization_id=ref or state.authorization_id,
        )
    return state


def decide_payment(
    state: PaymentState | None,
    command: PaymentCommand,
    now: datetime,
    new_id: IdFactory,
    payment_id: UUID,
) -> list[pe.PaymentEvent]:
    """The events `command` adds; none when the stream already shows its outcome."""
    if isinstance(command, StartPayment):
        if state is not None:
            raise IdAlreadyUsedError(f"payment {payment_id} exists")
        return [command.started]
    if state is None:
        raise PaymentNotFoundError.of("payment", payment_id)
    envelope: dict[str, Any] = {
        "payment_id": payment_id,
        "organization_id": state.started.organization_id,
        "occurred_at": now,
    }

    def event(cls: type[pe.PaymentEvent], offset: int, **fields: Any) -> pe.PaymentEvent:
        return cls(event_id=new_id(), version=state.version + offset, **envelope, **fields)

    if isinstance(command, RecordAuthorized):
        if state.status != "started":
            return []
        return [event(pe.PaymentAuthorized, 1, **vars(command))]
    if isinstance(command, RecordDeclined):
        return [] if state.status != "started" else [event(pe.PaymentDeclined, 1, **vars(command))]
    if state.status != "authorized":
        return []
    return _settled(command, event)


def _settled(command: RecordSettlement, event: Any) -> list[pe.PaymentEvent]:
    """A capture and the void of its released rest, or a void of everything."""
    common = {
        "settlement": command.settlement,
        "provider_ref": command.provider_ref,
        "idempotency_key": command.idempotency_key,
    }
    events: list[pe.PaymentEvent] = []
    if command.captured_cents > 0:
        events.append(event(pe.PaymentCaptured, 1, amount_cents=command.captured_cents, **common))
    if command.released_cents > 0 or not events:
        events.append(
            event(pe.PaymentVoided, len(events) + 1, amount_cents=command.released_cents, **common)
        )
    return events


_UPSERT = """
INSERT INTO payments (payment_id, organization_id, hold_id, booking_id, vehicle_id, status,
                      started_event_id, card_token, amount_cents, authorization_id,
                      hourly_cents, next_attempt_at)
-- A new payment is the request's to authorize; the manager steps in if it has not after
-- a few seconds (the request's process died, or the provider was down).
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, now() + interval '5 seconds')
ON CONFLICT (payment_id) DO UPDATE SET
    status = EXCLUDED.status,
    authorization_id = COALESCE(EXCLUDED.authorization_id, payments.authorization_id),
    attempts = 0,
    next_attempt_at = '-infinity'
"""
# The same, with the webhook that caused the append remembered in its transaction.
_UPSERT_SEEN = (
    "WITH seen AS (INSERT INTO payment_webhooks (provider, event_id) VALUES ($12, $13))" + _UPSERT
)


def _row(
    event: StreamEvent, card_token: str | None = None, hourly_cents: int | None = None
) -> tuple[Any, ...]:
    """The `payments` row `event` leaves (only the start fills the payment's facts)."""
    assert isinstance(event, pe.PaymentEvent)
    status = _STATUS.get(type(event), "settled")
    # The provider's authorization id, by which its webhooks name the payment.
    ref = (
        event.provider_ref if isinstance(event, pe.PaymentAuthorized | pe.PaymentDeclined) else None
    )
    if isinstance(event, pe.PaymentStarted):
        facts = (event.hold_id, event.booking_id, event.vehicle_id)
        return (
            event.payment_id,
            event.organization_id,
            *facts,
            status,
            event.event_id,
            card_token,
            event.amount_cents,
            ref,
            hourly_cents,
        )
    return (
        event.payment_id,
        event.organization_id,
        None,
        None,
        None,
        status,
        None,
        None,
        None,
        ref,
        None,
    )


PAYMENTS: StreamKind[PaymentState, PaymentCommand, pe.PaymentEvent] = StreamKind(
    name="payment",
    fold=fold_payment,
    decide=decide_payment,
    not_found=PaymentNotFoundError,
    head=HeadTable(_UPSERT, _row),
)


def starting(
    card_token: str, hourly_cents: int
) -> StreamKind[PaymentState, PaymentCommand, pe.PaymentEvent]:
    """The kind whose head row keeps the card token (for a retried authorization) and the
    hourly rate late returns are charged at."""
    head = HeadTable(_UPSERT, lambda e: _row(e, card_token, hourly_cents))
    return replace(PAYMENTS, head=head)


def after_webhook(
    provider: str, event_id: str
) -> StreamKind[PaymentState, PaymentCommand, pe.PaymentEvent]:
    """The kind whose append also records the webhook `event_id` as applied."""
    return replace(PAYMENTS, head=HeadTable(_UPSERT_SEEN, lambda e: (*_row(e), provider, event_id)))
