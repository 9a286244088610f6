"""Property: over random lifecycles (book, pay, cancel, trip, late return, no-show,
expiry), the sandbox's ledger shows exactly what the rule says moved: 0 double captures,
0 authorizations left open, captured = the rule."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import timedelta

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from shared.contract.refunds import refund_cents, refund_percent
from tests.integration.conftest import new_vehicle
from tests.payflow.conftest import Shop, late_fee


@dataclass(frozen=True)
class Life:
    card: str
    ending: str  # cancel | trip | no_show | expire
    lead_hours: int  # how long before the start it is booked (and cancelled)
    late_minutes: int  # of the return, past the end (negative: early)
    deposit: bool  # priced by a policy with a deposit (late fees come out of it)


LIVES = st.builds(
    Life,
    card=st.sampled_from(["tok_visa", "tok_visa", "tok_declined"]),
    ending=st.sampled_from(["cancel", "trip", "no_show", "expire"]),
    lead_hours=st.sampled_from([1, 10, 30]),
    late_minutes=st.integers(min_value=-60, max_value=300),
    deposit=st.booleans(),
)
POLICY = {
    "name": "Lifecycle deposit",
    "currency": "EUR",
    "priority": 50,
    "applies_to": {"make": "Lifecyclecar"},
    "rates": {"hourly_cents": 1500, "daily_cents": 7500, "weekly_cents": 39000},
    "deposit_cents": 20000,
}


async def _live(shop: Shop, life: Life) -> None:
    """One lifecycle, then the ledger checked against the rule."""
    start = shop.clock() + timedelta(hours=life.lead_hours)
    make = "Lifecyclecar" if life.deposit else "Volkswagen"
    made = await shop.http.post("/v1/vehicles", json=new_vehicle(make=make), headers=shop.admin)
    hold = await shop.hold(made.json()["vehicle_id"], start, hours=2, ttl=600)
    price = hold["price_cents"]
    if life.ending == "expire":
        shop.clock.advance(seconds=601)
    paid = await shop.pay(hold["hold_id"], life.card)
    if life.ending == "expire":
        assert paid.status_code == 409
        shop.clock.now = start + timedelta(days=1)
        return
    payment_id = paid.json()["payment_id"]
    if life.card == "tok_declined":
        assert paid.status_code == 402
        assert shop.ledger(payment_id)["authorized"] == 0
        shop.clock.now = start + timedelta(days=1)
        return
    booking_id, owed = paid.json()["booking_id"], price
    if life.ending == "cancel":
        await shop.http.post(
            f"/v1/bookings/{booking_id}/cancel", json={"reason": "x"}, headers=shop.customer
        )
        owed = price - refund_cents(price, refund_percent(start, shop.clock()))
    elif life.ending == "trip":
        shop.clock.now = start
        trip = await shop.http.post(
            "/v1/trips", headers=shop.customer, json={"booking_id": booking_id, "odometer_km": 1000}
        )
        assert trip.status_code == 201, trip.text
        returned = timedelta(hours=2, minutes=life.late_minutes)
        shop.clock.now = start + returned
        await shop.http.post(
            f"/v1/trips/{trip.json()['trip_id']}/end",
            headers=shop.customer,
            json={"odometer_km": 1020},
        )
        hourly = 1500 if life.deposit else 1200
        owed = price + late_fee(returned - timedelta(hours=2), hourly)
    else:
        shop.clock.now = start + timedelta(hours=2, minutes=15)
    for _ in range(3):  # more rounds than needed: nothing moves twice
        while await shop.step():
            pass
    moved = shop.ledger(payment_id)
    assert shop.entries(payment_id, "authorized") == 1
    assert shop.entries(payment_id, "captured") <= 1
    assert moved["authorized"] == price + (20000 if life.deposit else 0)
    assert moved["captured"] == min(owed, moved["authorized"])
    assert moved["captured"] + moved["voided"] == moved["authorized"], "nothing left held"
    shop.clock.now = start + timedelta(days=1)


async def test_the_ledger_follows_the_rule_over_random_lifecycles(shop: Shop) -> None:
    loop, lived = asyncio.get_running_loop(), []
    policy = await shop.http.post("/v1/pricing/policies", json=POLICY, headers=shop.admin)
    assert policy.status_code == 201, policy.text

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.function_scoped_fixture],
    )
    @given(LIVES)
    def check(life: Life) -> None:
        asyncio.run_coroutine_threadsafe(_live(shop, life), loop).result(timeout=60)
        lived.append(life)

    await asyncio.to_thread(check)
    assert len(lived) >= 20
    assert {life.ending for life in lived} == {"cancel", "trip", "no_show", "expire"}
    assert {life.deposit for life in lived} == {True, False}
