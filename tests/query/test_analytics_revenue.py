"""Revenue with payments (docs/analytics.md, "Revenue"): a booking without a payment earns
its price minus its cancellation refund, one with an authorized payment what the payment
captured minus what it refunded (this module's database holds nothing else).

Monday 2030-01-07, clock at 08:00 UTC, vehicles at 1,000 cents an hour.
V1: U [10:00, 12:00) booked without a payment (a declined attempt names it: no matter);
T [13:00, 15:00) paid, returned late: 3,000 captured (price + a late hour), the rest
voided, 500 refunded later. V2: D [16:00, 17:00) paid, only authorized so far; C tomorrow
[09:00, 10:00) paid and cancelled at once (100 % refund: nothing captured, all voided).
"""

from __future__ import annotations

import uuid
from typing import Any
from uuid import UUID

import pytest

from command_service.domain import commands as cmd
from shared.contract import payment_events as pe
from tests.query.conftest import Fleet, ReadSide
from tests.query.payment_support import PaidHold

MONDAY = {"from": "2030-01-07T00:00:00Z", "to": "2030-01-09T00:00:00Z"}


_BUILT: dict[str, UUID] = {}


@pytest.fixture
async def scenario(fleet: Fleet) -> dict[str, UUID]:
    """Built once in the module's database."""
    if not _BUILT:
        _BUILT.update(await _build(fleet))
    return _BUILT


async def _paid(fleet: Fleet, vehicle: UUID, start: float, end: float) -> PaidHold:
    """A booking of [t0 + start h, t0 + end h) whose payment is authorized."""
    booking = await fleet.book(vehicle, fleet.at(hours=start), fleet.at(hours=end))
    row = await fleet.conn.fetchrow(
        "SELECT customer_id, price_cents FROM bookings WHERE booking_id = $1", booking
    )
    assert row is not None
    paid = PaidHold(fleet, uuid.uuid4(), vehicle, row["customer_id"], booking, row["price_cents"])
    await paid.start()
    await paid.authorize()
    return paid


async def _build(fleet: Fleet) -> dict[str, UUID]:
    v1, v2 = await fleet.register(), await fleet.register()
    unpaid = await fleet.book(v1, fleet.at(hours=2), fleet.at(hours=4))
    tried = PaidHold(fleet, uuid.uuid4(), v1, uuid.uuid4(), unpaid, 2_000)
    await tried.start()
    await tried.decline()
    late = await _paid(fleet, v1, 5, 7)
    await _paid(fleet, v2, 8, 9)
    cancelled = await _paid(fleet, v2, 25, 26)
    await fleet.run(v2, cmd.CancelBooking(cancelled.booking_id, "plans changed"))
    await cancelled.move(pe.PaymentVoided, cancelled.price_cents + 20_000, settlement="cancelled")
    fleet.clock.advance(hours=8)
    await late.move(pe.PaymentCaptured, 3_000, settlement="trip_ended")
    await late.move(pe.PaymentVoided, 19_000, settlement="trip_ended")
    await late.move(pe.PaymentRefunded, 500, reason="dirty car")
    return {"v1": v1, "v2": v2}


def money(booked: int, captured: int, refunded: int, revenue: int, bookings: int, paid: int,
          cancelled: int) -> dict[str, Any]:  # fmt: skip
    return {
        "currency": "EUR", "booked_cents": booked, "captured_cents": captured,
        "refunded_cents": refunded, "revenue_cents": revenue, "bookings": bookings,
        "paid_bookings": paid, "cancelled": cancelled,
    }  # fmt: skip


async def test_paid_bookings_earn_captured_minus_refunded_money(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    revenue = await read.ok("/v1/analytics/revenue", **MONDAY)

    hourly = {"price_per_booked_hour_cents": 1_000}  # what the bookings were sold at
    assert revenue["totals"] == [{**money(6_000, 3_000, 500, 4_500, 4, 3, 1), **hourly}]
    assert revenue["buckets"] == [
        # U 2,000 (price) + T 2,500 (3,000 captured - 500 refunded) + D 0 (none captured)
        {"start": "2030-01-07T00:00:00Z", **money(5_000, 3_000, 500, 4_500, 3, 2, 0), **hourly},
        # C: its cancellation refund is no money refunded: nothing was captured
        {"start": "2030-01-08T00:00:00Z", **money(1_000, 0, 0, 0, 1, 1, 1), **hourly},
    ]
    assert revenue["vehicles"] == [
        {"vehicle_id": str(scenario["v1"]), **money(4_000, 3_000, 500, 4_500, 2, 1, 0)},
        {"vehicle_id": str(scenario["v2"]), **money(2_000, 0, 0, 0, 2, 2, 1)},
    ]


async def test_hourly_buckets_and_the_top_vehicle_follow_the_same_rule(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    hourly = await read.ok("/v1/analytics/revenue", granularity="hour", limit=1, **MONDAY)

    by_hour = {b["start"][11:16]: b["revenue_cents"] for b in hourly["buckets"]}
    assert by_hour == {"10:00": 2_000, "13:00": 2_500, "16:00": 0, "09:00": 0}
    assert [(v["vehicle_id"], v["revenue_cents"]) for v in hourly["vehicles"]] == [
        (str(scenario["v1"]), 4_500)
    ]
