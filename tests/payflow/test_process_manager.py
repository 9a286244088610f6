"""The payment process manager's reactions (docs/payments.md, "The process manager"):
what the sandbox's ledger shows moved for each way a paid booking ends."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from command_service import metrics
from tests.integration.conftest import new_vehicle
from tests.payflow.conftest import Shop, late_fee
from tests.waiting import until


async def _trip(shop: Shop, booking_id: str) -> str:
    resp = await shop.http.post(
        "/v1/trips", json={"booking_id": booking_id, "odometer_km": 1000}, headers=shop.customer
    )
    assert resp.status_code == 201, resp.text
    return str(resp.json()["trip_id"])


async def _end(shop: Shop, trip_id: str) -> None:
    resp = await shop.http.post(
        f"/v1/trips/{trip_id}/end", json={"odometer_km": 1100}, headers=shop.customer
    )
    assert resp.status_code == 200, resp.text


async def _settle(shop: Shop) -> None:
    """Run the manager until it has nothing left to do."""
    while await shop.step():
        pass


async def test_a_trip_returned_late_captures_the_price_and_each_started_hour(shop: Shop) -> None:
    start = shop.clock() + timedelta(days=1)
    payment_id, booking_id, price = await shop.paid_booking(start, hours=2)
    shop.clock.now = start
    trip = await _trip(shop, booking_id)
    await _settle(shop)
    assert shop.ledger(payment_id)["captured"] == 0, "nothing is captured while the trip runs"

    shop.clock.now = start + timedelta(hours=2, minutes=61)  # 1 h 1 min late: 2 started hours
    await _end(shop, trip)
    await _settle(shop)

    # The fee is taken from the deposit the authorization holds beyond the price; holds
    # priced by the vehicle's own rates carry none, so here the price is all there is.
    moved = shop.ledger(payment_id)
    owed = price + late_fee(timedelta(minutes=61))
    assert owed == price + 2 * 1200
    assert moved["captured"] == min(owed, moved["authorized"])
    assert moved["captured"] + moved["voided"] == moved["authorized"]
    assert await shop.events(payment_id) == [
        "PaymentStarted",
        "PaymentAuthorized",
        "PaymentCaptured",
    ]


async def test_a_trip_returned_on_time_captures_the_price(shop: Shop) -> None:
    start = shop.clock() + timedelta(days=1)
    payment_id, booking_id, price = await shop.paid_booking(start)
    shop.clock.now = start
    trip = await _trip(shop, booking_id)
    shop.clock.now = start + timedelta(hours=1)
    await _end(shop, trip)
    await _settle(shop)

    assert shop.ledger(payment_id) == {**_nothing(), "authorized": price, "captured": price}


async def test_a_cancellation_captures_the_price_less_the_refund(shop: Shop) -> None:
    start = shop.clock() + timedelta(hours=10)  # 50 % refund (DESIGN §2)
    payment_id, booking_id, price = await shop.paid_booking(start)

    resp = await shop.http.post(
        f"/v1/bookings/{booking_id}/cancel", json={"reason": "plans"}, headers=shop.customer
    )
    await _settle(shop)

    refund = resp.json()["refund_cents"]
    assert refund == price // 2
    assert shop.ledger(payment_id)["captured"] == price - refund
    assert await shop.events(payment_id) == [
        "PaymentStarted",
        "PaymentAuthorized",
        "PaymentCaptured",
        "PaymentVoided",
    ]


async def test_a_full_refund_voids_the_whole_authorization(shop: Shop) -> None:
    payment_id, booking_id, price = await shop.paid_booking(shop.clock() + timedelta(days=3))

    await shop.http.post(
        f"/v1/bookings/{booking_id}/cancel", json={"reason": "plans"}, headers=shop.customer
    )
    await _settle(shop)

    assert shop.ledger(payment_id) == {**_nothing(), "authorized": price, "voided": price}


async def test_a_no_show_captures_the_price_once_the_trip_grace_has_passed(shop: Shop) -> None:
    start = shop.clock() + timedelta(days=1)
    payment_id, _, price = await shop.paid_booking(start, hours=2)

    shop.clock.now = start + timedelta(hours=2, minutes=14)
    await _settle(shop)
    assert shop.ledger(payment_id)["captured"] == 0, "a trip may still start"
    shop.clock.now = start + timedelta(hours=2, minutes=15)
    await _settle(shop)
    await _settle(shop)

    assert shop.ledger(payment_id)["captured"] == price
    assert shop.entries(payment_id, "captured") == 1


async def test_a_hold_that_expires_before_its_slow_authorization_is_voided(shop: Shop) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=1), ttl=60)
    shop.sandbox.set_faults(webhooks_paused=True)
    try:
        payment_id = (await shop.pay(hold["hold_id"], "tok_slow")).json()["payment_id"]
        shop.clock.advance(seconds=61)
        assert await shop.app.state.sweeper.sweep_once() == 1
    finally:
        shop.sandbox.set_faults()
    await until(lambda: shop.entries(payment_id, "authorized") == 1)
    await shop.deliver_webhooks()
    await _settle(shop)

    moved = shop.ledger(payment_id)
    assert moved["authorized"] == moved["voided"] == hold["price_cents"]
    assert moved["captured"] == 0


async def test_a_provider_down_for_a_while_delays_the_capture_and_loses_nothing(
    shop: Shop,
) -> None:
    start = shop.clock() + timedelta(hours=10)
    payment_id, booking_id, price = await shop.paid_booking(start)
    await shop.http.post(
        f"/v1/bookings/{booking_id}/cancel", json={"reason": "plans"}, headers=shop.customer
    )
    shop.sandbox.set_faults(down_for_s=1.5)
    errors = metrics.PAYMENT_CALLS.labels("settle", "error")
    before = errors._value.get()

    assert await shop.step() == 0
    assert errors._value.get() == before + 1
    assert shop.entries(payment_id, "captured") == 0
    await asyncio.sleep(2.5)  # back up; the retry's backoff has passed
    await _settle(shop)

    assert shop.ledger(payment_id)["captured"] == price - price // 2
    assert shop.entries(payment_id, "captured") == 1


def _nothing() -> dict[str, int]:
    return dict.fromkeys(("authorized", "captured", "voided", "refunded", "declined"), 0)


POLICY = {
    "name": "Payflow deposit",
    "currency": "EUR",
    "priority": 50,
    "applies_to": {"make": "Payflowcar"},
    "rates": {"hourly_cents": 1500, "daily_cents": 7500, "weekly_cents": 39000},
    "deposit_cents": 30000,
}


async def test_a_policy_deposit_is_authorized_and_late_fees_use_the_booked_version(
    shop: Shop,
) -> None:
    published = await shop.http.post("/v1/pricing/policies", json=POLICY, headers=shop.admin)
    assert published.status_code == 201, published.text
    policy = published.json()["policy_id"]
    made = await shop.http.post(
        "/v1/vehicles", json=new_vehicle(make="Payflowcar"), headers=shop.admin
    )
    start = shop.clock() + timedelta(days=1)
    hold = await shop.hold(made.json()["vehicle_id"], start, hours=2)
    price = hold["price_cents"]
    paid = (await shop.pay(hold["hold_id"])).json()
    assert paid["amount_cents"] == price + 30000

    revised = {**POLICY, "rates": {**POLICY["rates"], "hourly_cents": 4000}}  # type: ignore[dict-item]
    again = await shop.http.put(
        f"/v1/pricing/policies/{policy}", json=revised, headers={**shop.admin, "If-Match": '"1"'}
    )
    assert again.status_code == 200, again.text
    shop.clock.now = start
    trip = await _trip(shop, paid["booking_id"])
    shop.clock.now = start + timedelta(hours=3, minutes=30)  # 1 h 30 min late: 2 hours
    await _end(shop, trip)
    await _settle(shop)

    moved = shop.ledger(paid["payment_id"])
    assert moved["authorized"] == price + 30000
    assert moved["captured"] == price + 2 * 1500  # version 1's rate, not the revision's
    assert moved["voided"] == 30000 - 2 * 1500
