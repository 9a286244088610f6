"""Payment streams written as the payment process manager records them, for read tests."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

from shared.contract import payment_events as pe
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.query.conftest import Fleet


@dataclass
class PaidHold:
    """One payment's stream: `record` decides its next event and applies it to the fleet."""

    fleet: Fleet
    hold_id: UUID
    vehicle_id: UUID
    customer_id: UUID
    booking_id: UUID
    price_cents: int
    deposit_cents: int = 20_000
    organization_id: UUID = DEFAULT_ORGANIZATION_ID
    payment_id: UUID = field(default_factory=uuid.uuid4)
    version: int = 0

    async def record(self, kind: type[pe.PaymentEvent], **fields: Any) -> pe.PaymentEvent:
        self.version += 1
        event = kind(event_id=uuid.uuid4(), version=self.version,
                     occurred_at=self.fleet.clock.now, organization_id=self.organization_id,
                     payment_id=self.payment_id, **fields)  # fmt: skip
        await self.fleet.apply(event)  # type: ignore[arg-type]
        return event

    async def start(self) -> None:
        await self.record(
            pe.PaymentStarted, hold_id=self.hold_id, vehicle_id=self.vehicle_id,
            customer_id=self.customer_id, booking_id=self.booking_id, provider="sandbox",
            price_cents=self.price_cents, deposit_cents=self.deposit_cents,
            amount_cents=self.price_cents + self.deposit_cents, currency="EUR",
        )  # fmt: skip

    async def authorize(self) -> None:
        total = self.price_cents + self.deposit_cents
        await self.record(pe.PaymentAuthorized, amount_cents=total, provider_ref="auth_1",
                          idempotency_key=f"{self.payment_id}:a")  # fmt: skip

    async def decline(self) -> None:
        await self.record(pe.PaymentDeclined, reason="card_declined", provider_ref="auth_1")

    async def move(self, kind: type[pe.PaymentEvent], cents: int, **fields: Any) -> None:
        """A capture, void or refund of `cents` (settlement or reason in `fields`)."""
        key = f"{self.payment_id}:{kind.__name__}"
        await self.record(kind, amount_cents=cents, provider_ref="auth_1", idempotency_key=key,
                          **fields)  # fmt: skip
