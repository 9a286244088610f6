"""Payment streams for the live-equals-rebuild logs: what the payment process manager
records around a fleet's holds and bookings (DESIGN §5a, API.md "Payments").

A paid hold's payment starts when its booking is confirmed and is authorized for price +
deposit, some holds see a declined attempt first, and a paid booking's end moves its money:
a trip's end captures the price and voids the deposit (sometimes refunding part later), a
cancellation captures price - refund and voids the rest. Events carry the fleet clock's
time, so a payment interleaves with the vehicle streams in the log.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract import events as ev
from shared.contract import payment_events as pe

DEPOSIT_CENTS = 30_000


@dataclass
class _Payment:
    payment_id: UUID
    organization_id: UUID
    version: int
    price_cents: int
    authorized_cents: int


class PaymentLog:
    """Decides the payment events that follow each vehicle event (seeded draws)."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self._by_booking: dict[UUID, _Payment] = {}

    def after(self, event: ev.StreamEvent, now: datetime) -> list[pe.PaymentEvent]:
        """The payment events the process manager records after `event`."""
        if isinstance(event, ev.HoldPlaced) and self.rng.random() < 0.2:
            return self._declined(event, now)
        if isinstance(event, ev.BookingConfirmed) and event.hold_id and self.rng.random() < 0.7:
            return self._authorized(event, now)
        paid = None
        if isinstance(event, ev.BookingCancelled | ev.BookingCompleted):
            paid = self._by_booking.pop(event.booking_id, None)
        if paid is None:
            return []
        if isinstance(event, ev.BookingCancelled):
            return self._settle(paid, now, paid.price_cents - event.refund_cents, "cancelled")
        return self._completed(paid, now)

    def _completed(self, paid: _Payment, now: datetime) -> list[pe.PaymentEvent]:
        """The trip ended: capture the price, void the deposit, now and then refund some."""
        moved = self._settle(paid, now, paid.price_cents, "trip_ended")
        if self.rng.random() < 0.3:
            moved.append(self._next(pe.PaymentRefunded, paid, now,
                                    amount_cents=paid.price_cents // 4, reason="goodwill",
                                    provider_ref=f"re_{paid.payment_id.hex[:8]}",
                                    idempotency_key=f"{paid.payment_id}:refund"))  # fmt: skip
        return moved

    def _start(
        self, event: Any, now: datetime, booking_id: UUID
    ) -> tuple[_Payment, pe.PaymentStarted]:
        payment = _Payment(uuid.uuid4(), event.organization_id, 1, event.price_cents,
                           event.price_cents + DEPOSIT_CENTS)  # fmt: skip
        started = pe.PaymentStarted(
            event_id=uuid.uuid4(), version=1, occurred_at=now,
            organization_id=event.organization_id, payment_id=payment.payment_id,
            hold_id=event.hold_id, vehicle_id=event.vehicle_id, customer_id=event.customer_id,
            booking_id=booking_id, provider="sandbox", price_cents=event.price_cents,
            deposit_cents=DEPOSIT_CENTS, amount_cents=payment.authorized_cents,
            currency=event.currency,
        )  # fmt: skip
        return payment, started

    def _declined(self, event: ev.HoldPlaced, now: datetime) -> list[pe.PaymentEvent]:
        payment, started = self._start(event, now, uuid.uuid4())
        return [started, self._next(pe.PaymentDeclined, payment, now, reason="card_declined")]

    def _authorized(self, event: ev.BookingConfirmed, now: datetime) -> list[pe.PaymentEvent]:
        payment, started = self._start(event, now, event.booking_id)
        self._by_booking[event.booking_id] = payment
        authorized = self._next(pe.PaymentAuthorized, payment, now,
                                amount_cents=payment.authorized_cents,
                                provider_ref=f"au_{payment.payment_id.hex[:8]}",
                                idempotency_key=f"{payment.payment_id}:authorize")  # fmt: skip
        return [started, authorized]

    def _settle(
        self, paid: _Payment, now: datetime, capture: int, settlement: str
    ) -> list[pe.PaymentEvent]:
        """Capture `capture` cents (if any) and void the rest of the authorization."""
        moved: list[pe.PaymentEvent] = []
        ref = f"au_{paid.payment_id.hex[:8]}"
        if capture > 0:
            moved.append(self._next(pe.PaymentCaptured, paid, now, amount_cents=capture,
                                    settlement=settlement, provider_ref=ref,
                                    idempotency_key=f"{paid.payment_id}:capture"))  # fmt: skip
        moved.append(self._next(pe.PaymentVoided, paid, now,
                                amount_cents=paid.authorized_cents - capture,
                                settlement=settlement, provider_ref=ref,
                                idempotency_key=f"{paid.payment_id}:void"))  # fmt: skip
        return moved

    def _next(self, kind: type[pe.PaymentEvent], paid: _Payment, now: datetime,
              **fields: Any) -> pe.PaymentEvent:  # fmt: skip
        paid.version += 1
        return kind(event_id=uuid.uuid4(), version=paid.version, occurred_at=now,
                    organization_id=paid.organization_id, payment_id=paid.payment_id,
                    **fields)  # fmt: skip
