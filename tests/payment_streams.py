"""A paid booking's payment stream on a running stack (isolation and console tests).

Until the payment process manager answers POST /v1/holds/{id}/payment on these stacks,
the payment is recorded as it records one: PaymentStarted, PaymentAuthorized (and, if
asked, a capture of the price with the deposit voided) appended to a stream of kind
`payment` through the command side's own stream store; the relay publishes it and the
query side projects it, like every stream.
"""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any
from uuid import UUID

import asyncpg

from command_service.store.streams import StreamStore
from shared.contract import payment_events as pe

DEPOSIT_CENTS = 10_000


async def record_payment(
    command_dsn: str,
    organization_id: str,
    booking: dict[str, Any],
    customer_id: str,
    captured: bool = False,
) -> str:
    """An authorized payment of the booking (price + deposit), the price captured and the
    deposit voided if `captured`; returns the payment's id."""
    payment_id, price = uuid.uuid4(), int(booking["price_cents"])
    ref, total = f"au_{payment_id.hex[:12]}", price + DEPOSIT_CENTS
    versions = iter(range(1, 10))

    def event(kind: type[pe.PaymentEvent], **fields: Any) -> pe.PaymentEvent:
        return kind(event_id=uuid.uuid4(), version=next(versions), occurred_at=datetime.now(UTC),
                    organization_id=UUID(organization_id), payment_id=payment_id,
                    **fields)  # fmt: skip

    def moved(kind: type[pe.PaymentEvent], cents: int, step: str, **why: str) -> pe.PaymentEvent:
        return event(kind, amount_cents=cents, provider_ref=ref,
                     idempotency_key=f"fleet:{payment_id}:{step}", **why)  # fmt: skip

    events = [
        event(pe.PaymentStarted, hold_id=uuid.uuid4(), vehicle_id=UUID(booking["vehicle_id"]),
              customer_id=UUID(customer_id), booking_id=UUID(booking["booking_id"]),
              provider="sandbox", price_cents=price, deposit_cents=DEPOSIT_CENTS,
              amount_cents=total, currency=booking["currency"]),
        moved(pe.PaymentAuthorized, total, "authorize"),
    ]  # fmt: skip
    if captured:
        events.append(moved(pe.PaymentCaptured, price, "capture", settlement="trip_ended"))
        events.append(moved(pe.PaymentVoided, DEPOSIT_CENTS, "void", settlement="trip_ended"))
    cause = str(events[0].event_id)
    metadata = {"correlation_id": cause, "causation_id": cause, "actor": "payments"}
    pool = await asyncpg.create_pool(command_dsn, min_size=1, max_size=1)
    try:
        await StreamStore(pool).append("payment", payment_id, events, metadata)
    finally:
        await pool.close()
    return str(payment_id)
