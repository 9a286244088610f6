"""What a payment captures (API.md "Payments"): the rules as pure functions of the
vehicle's events, with a deposit to take late fees from."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from command_service.payments.facts import HoldStory
from command_service.payments.rules import Settle, late_fee, next_step
from shared.contract import events as ev

START = datetime(2030, 3, 1, 10, 0, tzinfo=UTC)
END = START + timedelta(hours=2)
PRICE, DEPOSIT, HOURLY = 2400, 30000, 1500
BOOKING = uuid.uuid4()


def _event(cls: type[Any], at: datetime, **fields: Any) -> Any:
    return cls(
        event_id=uuid.uuid4(),
        version=1,
        occurred_at=at,
        vehicle_id=uuid.uuid4(),
        organization_id=uuid.uuid4(),
        **fields,
    )


def _story(**told: Any) -> HoldStory:
    placed = _event(
        ev.HoldPlaced,
        START - timedelta(days=1),
        hold_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        start=START,
        end=END,
        expires_at=START,
        price_cents=PRICE,
        currency="EUR",
    )
    booking = _event(
        ev.BookingConfirmed,
        START - timedelta(days=1),
        booking_id=BOOKING,
        customer_id=placed.customer_id,
        start=START,
        end=END,
        price_cents=PRICE,
        currency="EUR",
        hold_id=placed.hold_id,
    )
    return HoldStory(placed.vehicle_id, placed, booking=booking, **told)


def _returned(at: datetime) -> dict[str, Any]:
    trip = uuid.uuid4()
    return {
        "trip_started": _event(
            ev.TripStarted,
            START,
            trip_id=trip,
            booking_id=BOOKING,
            customer_id=uuid.uuid4(),
            odometer_km=1,
        ),
        "trip_ended": _event(
            ev.TripEnded,
            at,
            trip_id=trip,
            booking_id=BOOKING,
            odometer_km=2,
            distance_km=1,
            duration_s=60,
        ),
    }


def test_each_started_hour_past_the_end_costs_the_hourly_rate() -> None:
    assert late_fee(END, END, HOURLY) == 0
    assert late_fee(END, END - timedelta(minutes=5), HOURLY) == 0
    assert late_fee(END, END + timedelta(seconds=1), HOURLY) == HOURLY
    assert late_fee(END, END + timedelta(hours=1), HOURLY) == HOURLY
    assert late_fee(END, END + timedelta(hours=1, seconds=1), HOURLY) == 2 * HOURLY


def test_a_late_return_captures_price_and_fees_from_the_deposit() -> None:
    story = _story(**_returned(END + timedelta(minutes=90)))

    step = next_step(story, BOOKING, PRICE + DEPOSIT, HOURLY, END + timedelta(hours=3))

    assert isinstance(step, Settle) and step.settlement == "trip_ended"
    assert step.capture_cents == PRICE + 2 * HOURLY
    assert step.cause_id == story.trip_ended.event_id  # type: ignore[union-attr]


def test_fees_beyond_the_authorization_are_not_captured() -> None:
    story = _story(**_returned(END + timedelta(days=30)))

    step = next_step(story, BOOKING, PRICE + DEPOSIT, HOURLY, END + timedelta(days=31))

    assert isinstance(step, Settle) and step.capture_cents == PRICE + DEPOSIT


def test_a_no_show_is_judged_at_the_end_plus_the_trip_grace() -> None:
    story = _story()

    assert next_step(story, BOOKING, PRICE, HOURLY, END + timedelta(minutes=14)) == "wait"
    step = next_step(story, BOOKING, PRICE + DEPOSIT, HOURLY, END + timedelta(minutes=15))
    assert step == Settle("no_show", PRICE, story.booking.event_id)  # type: ignore[union-attr]


def test_a_hold_that_ended_unbooked_is_voided_and_an_open_one_confirmed() -> None:
    story = _story()
    unbooked = HoldStory(story.vehicle_id, story.placed)
    expired = _event(ev.HoldExpired, START, hold_id=story.placed.hold_id, expired_at=START)

    assert next_step(unbooked, BOOKING, PRICE, HOURLY, START) == "confirm"
    ended = HoldStory(story.vehicle_id, story.placed, ended=expired)
    assert next_step(ended, BOOKING, PRICE, HOURLY, START) == Settle(
        "hold_ended", 0, expired.event_id
    )


def test_a_hold_booked_without_this_payment_voids_it() -> None:
    story = _story()
    by_staff = _event(
        ev.HoldConfirmed, START, hold_id=story.placed.hold_id, booking_id=uuid.uuid4()
    )
    unpaid = HoldStory(story.vehicle_id, story.placed, confirmed=by_staff)

    step = next_step(unpaid, BOOKING, PRICE, HOURLY, START)

    assert step == Settle("hold_ended", 0, by_staff.event_id)
