"""Paying for a hold (API.md "Payments"): authorize price + deposit, then the booking."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.payflow.conftest import Shop
from tests.waiting import until


async def test_a_paid_hold_becomes_a_booking_with_the_amount_authorized(shop: Shop) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=2))

    resp = await shop.pay(hold["hold_id"])

    assert resp.status_code == 201, resp.text
    paid = resp.json()
    assert paid["status"] == "authorized"
    assert paid["hold_id"] == hold["hold_id"]
    assert (paid["amount_cents"], paid["currency"]) == (hold["price_cents"], "EUR")  # deposit 0
    cancel = await shop.http.post(
        f"/v1/bookings/{paid['booking_id']}/cancel",
        json={"reason": "exists?"},
        headers=shop.customer,
    )
    assert cancel.status_code == 200, "the booking exists and is the customer's"
    assert shop.ledger(paid["payment_id"])["authorized"] == hold["price_cents"]
    assert await shop.events(paid["payment_id"]) == ["PaymentStarted", "PaymentAuthorized"]


async def test_a_declined_card_answers_402_and_the_hold_stays(shop: Shop) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=2))

    declined = await shop.pay(hold["hold_id"], "tok_declined")

    assert declined.status_code == 402
    assert declined.headers["content-type"].startswith("application/problem+json")
    assert await shop.events(declined.json()["payment_id"]) == ["PaymentStarted", "PaymentDeclined"]
    again = await shop.pay(hold["hold_id"], "tok_visa")
    assert again.status_code == 201 and again.json()["status"] == "authorized"
    answers = await shop.deliver_webhooks(at_least=2)  # the decline's and the authorization's
    assert [a.json()["received"] for a in answers if a.status_code == 200] == ["ignored"] * len(
        answers
    )


async def test_a_hold_is_paid_once_and_only_while_active(shop: Shop) -> None:
    vehicle = await shop.vehicle()
    hold = await shop.hold(vehicle, shop.clock() + timedelta(days=2))
    assert (await shop.pay(hold["hold_id"])).status_code == 201

    assert (await shop.pay(hold["hold_id"])).status_code == 409  # already paid (and booked)
    released = await shop.hold(vehicle, shop.clock() + timedelta(days=3))
    await shop.http.post(f"/v1/holds/{released['hold_id']}/release", headers=shop.customer)
    assert (await shop.pay(released["hold_id"])).status_code == 409
    unknown = await shop.pay("00000000-0000-4000-8000-00000000abcd")
    assert unknown.status_code == 404


async def test_two_payments_of_one_hold_at_once_authorize_once(shop: Shop) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=2))

    answers = await asyncio.gather(*(shop.pay(hold["hold_id"]) for _ in range(3)))

    assert sorted(a.status_code for a in answers) == [201, 409, 409]
    [paid] = [a.json() for a in answers if a.status_code == 201]
    assert shop.entries(paid["payment_id"], "authorized") == 1
    assert (
        await shop.app.state.pool.fetchval(
            "SELECT count(*) FROM payments WHERE hold_id = $1::uuid", hold["hold_id"]
        )
        == 1
    )


async def test_another_customers_hold_reads_as_unknown(shop: Shop) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=2))
    from tests.integration.conftest import bearer, token_for

    stranger = bearer(await token_for(shop.app, "customer"))
    resp = await shop.http.post(
        f"/v1/holds/{hold['hold_id']}/payment", json={"card_token": "tok_visa"}, headers=stranger
    )

    assert resp.status_code == 404
    assert resp.json()["detail"] == f"no hold with id {hold['hold_id']}"


async def test_a_slow_card_is_pending_until_the_webhook_authorizes_it(shop: Shop) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=2))

    resp = await shop.pay(hold["hold_id"], "tok_slow")

    assert resp.status_code == 201 and resp.json()["status"] == "pending"
    assert "booking_id" not in resp.json()
    payment_id = resp.json()["payment_id"]
    await until(lambda: shop.entries(payment_id, "authorized") == 1)
    answers = await shop.deliver_webhooks()
    assert [a.status_code for a in answers] and all(a.status_code == 200 for a in answers)
    assert await shop.events(payment_id) == ["PaymentStarted", "PaymentAuthorized"]
    booked = await shop.app.state.pool.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'HoldConfirmed' AND data->>'hold_id' = $1",
        hold["hold_id"],
    )
    assert booked == 1
    for answer in await asyncio.gather(
        *(shop.post_webhook(r.body, r.headers) for r in shop.sandbox.webhooks.requests[-2:])
    ):
        assert answer.status_code == 200  # duplicates change nothing
    assert await shop.events(payment_id) == ["PaymentStarted", "PaymentAuthorized"]


async def test_with_payments_required_customers_pay_and_managers_need_not(shop: Shop) -> None:
    org = DEFAULT_ORGANIZATION_ID
    on = await shop.http.patch(
        f"/v1/organizations/{org}", json={"payments": "required"}, headers=shop.admin
    )
    assert on.status_code == 200 and on.json()["payments"] == "required"
    try:
        vehicle = await shop.vehicle()
        start = shop.clock() + timedelta(days=2)
        window = {
            "vehicle_id": vehicle,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        }
        booked = await shop.http.post("/v1/bookings", json=window, headers=shop.customer)
        assert booked.status_code == 402
        assert booked.headers["content-type"].startswith("application/problem+json")
        hold = await shop.hold(vehicle, start + timedelta(hours=3))
        confirm = await shop.http.post(
            f"/v1/holds/{hold['hold_id']}/confirm", headers=shop.customer
        )
        assert confirm.status_code == 402
        assert (await shop.pay(hold["hold_id"])).status_code == 201
        for_customer = {**window, "customer_id": str(shop.customer_id)}
        staff = await shop.http.post("/v1/bookings", json=for_customer, headers=shop.admin)
        assert staff.status_code == 201
    finally:
        await shop.http.patch(
            f"/v1/organizations/{org}", json={"payments": "off"}, headers=shop.admin
        )


async def test_only_the_organizations_admins_change_its_payments(shop: Shop) -> None:
    org = DEFAULT_ORGANIZATION_ID
    resp = await shop.http.patch(
        f"/v1/organizations/{org}", json={"payments": "required"}, headers=shop.customer
    )
    assert resp.status_code == 403
    bad = await shop.http.patch(
        f"/v1/organizations/{org}", json={"payments": "sometimes"}, headers=shop.admin
    )
    assert bad.status_code == 422
    assert (await shop.http.get(f"/v1/organizations/{org}", headers=shop.admin)).json()[
        "payments"
    ] == "off"
