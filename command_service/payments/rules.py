"""What a payment owes, and what the manager does next: one definition of each amount
(docs/payments.md, "The process manager")."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Literal
from uuid import UUID

from command_service.domain.rules import TRIP_GRACE
from command_service.payments.facts import HoldStory
from shared.contract.payment_events import Settlement

HOUR = timedelta(hours=1)
# A booking with no trip by its end plus the trip-start grace is a no-show: after that
# moment the vehicle refuses to start the trip, so the judgement never changes.
NO_SHOW_AFTER = TRIP_GRACE


def deposit_of(story: HoldStory) -> int:
    """The hold's deposit: its pricing's, 0 for holds priced before pricing policies."""
    pricing = story.placed.pricing
    return pricing.deposit_cents if pricing is not None else 0


def late_fee(booking_end: datetime, returned_at: datetime, hourly_cents: int) -> int:
    """Each started hour past the booking's end at the hourly rate it was priced with."""
    late = returned_at - booking_end
    return 0 if late <= timedelta(0) else math.ceil(late / HOUR) * hourly_cents


@dataclass(frozen=True)
class Settle:
    """Capture `capture_cents` (at most the authorization) and release the rest, because
    of the stored event `cause_id` (the idempotency key derives from it)."""

    settlement: Settlement
    capture_cents: int
    cause_id: UUID


Step = Literal["confirm", "wait"] | Settle


def next_step(
    story: HoldStory,
    booking_id: UUID,
    authorized_cents: int,
    hourly_cents: int,
    now: datetime,
) -> Step:
    """An authorized payment's next step, from the vehicle's events (and the clock for a
    no-show): confirm the hold, wait, or settle."""
    booking = story.booking if story.booking and story.booking.booking_id == booking_id else None
    if booking is None:
        # Released, expired, or confirmed into a booking of its own (by staff, unpaid).
        ended = story.ended or story.confirmed
        if ended is not None:
            return Settle("hold_ended", 0, ended.event_id)
        return "confirm"
    price = booking.price_cents
    if story.cancelled is not None:
        refund = story.cancelled.refund_cents
        return Settle(
            "cancelled", _at_most(price - refund, authorized_cents), story.cancelled.event_id
        )
    if story.trip_ended is not None:
        fee = late_fee(booking.end, story.trip_ended.occurred_at, hourly_cents)
        return Settle(
            "trip_ended", _at_most(price + fee, authorized_cents), story.trip_ended.event_id
        )
    if story.trip_started is None and now >= booking.end + NO_SHOW_AFTER:
        return Settle("no_show", _at_most(price, authorized_cents), booking.event_id)
    return "wait"


def _at_most(amount: int, authorized_cents: int) -> int:
    """What can be captured of `amount`: never more than was authorized, never < 0."""
    return max(0, min(amount, authorized_cents))
