"""Events of a payment's stream: one payment per paid hold, from the customer's card to
the last money movement (DESIGN §5a, API.md "Payments").

The payment process manager records every provider outcome as one of these; the
provider reference and the idempotency key it used are kept, so a replay or an audit
can match each event with the provider's ledger. Amounts are integer cents.
"""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from shared.contract.envelope import StreamEvent

# Why money moved at the end: the rule that decided the amount (API.md "Payments").
Settlement = Literal["trip_ended", "cancelled", "no_show", "hold_ended"]


class PaymentEvent(StreamEvent):
    """Envelope of a payment stream's events."""

    STREAM = "payment"
    STREAM_ID = "payment_id"
    payment_id: UUID


class PaymentStarted(PaymentEvent):
    """A customer paid for a hold: authorize price + deposit (always version 1)."""

    hold_id: UUID
    vehicle_id: UUID
    customer_id: UUID
    booking_id: UUID  # the booking the hold becomes once authorized
    provider: str
    price_cents: int
    deposit_cents: int
    amount_cents: int  # price + deposit, the amount to authorize
    currency: str


class PaymentAuthorized(PaymentEvent):
    """The provider authorized the amount (synchronously or by a later webhook)."""

    provider_ref: str
    amount_cents: int
    idempotency_key: str


class PaymentDeclined(PaymentEvent):
    """The provider declined the card; the hold stays until it expires."""

    reason: str
    provider_ref: str | None = None


class PaymentCaptured(PaymentEvent):
    """Money taken from the authorization (at most once per payment)."""

    amount_cents: int
    settlement: Settlement
    provider_ref: str
    idempotency_key: str


class PaymentVoided(PaymentEvent):
    """The rest of the authorization released to the customer."""

    amount_cents: int
    settlement: Settlement
    provider_ref: str
    idempotency_key: str


class PaymentRefunded(PaymentEvent):
    """Captured money given back."""

    amount_cents: int
    reason: str
    provider_ref: str
    idempotency_key: str


PAYMENT_EVENT_TYPES: dict[str, type[PaymentEvent]] = {
    cls.__name__: cls
    for cls in (
        PaymentStarted,
        PaymentAuthorized,
        PaymentDeclined,
        PaymentCaptured,
        PaymentVoided,
        PaymentRefunded,
    )
}
