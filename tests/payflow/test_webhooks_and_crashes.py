"""Webhook security, and crashes between the provider's answer and the append: money
moves once whatever is replayed, forged or interrupted."""

from __future__ import annotations

import asyncio
import time
from dataclasses import replace
from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from command_service.domain.actor import customer
from command_service.payments.checkout import pay_for_hold
from command_service.payments.manager import PaymentManager
from command_service.payments.provider import Authorization, Capture
from command_service.payments.steps import context
from shared.payments import signature
from tests.payflow.conftest import Shop


async def _written(shop: Shop) -> tuple[int, int]:
    pool = shop.app.state.pool
    events = await pool.fetchval("SELECT count(*) FROM events")
    seen = await pool.fetchval("SELECT count(*) FROM payment_webhooks")
    return int(events), int(seen)


async def _slow_payment(shop: Shop) -> tuple[str, bytes, dict[str, str]]:
    """A tok_slow payment and its authorization webhook, not yet delivered."""
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=1))
    payment_id = (await shop.pay(hold["hold_id"], "tok_slow")).json()["payment_id"]
    for _ in range(100):
        found = [
            r
            for r in shop.sandbox.webhooks.requests[shop.forwarded :]
            if b"authorization.succeeded" in r.body
        ]
        if found:
            return payment_id, found[0].body, found[0].headers
        await asyncio.sleep(0.1)
    raise AssertionError("no authorization webhook")


async def test_a_bad_signature_or_a_stale_one_is_refused_and_nothing_written(shop: Shop) -> None:
    payment_id, body, headers = await _slow_payment(shop)
    before = await _written(shop)
    forged = body.replace(b"authorization.succeeded", b"authorization.succeedeX")
    stale_at = int(time.time()) - 6 * 60
    stale = signature.sign(shop.sandbox.secret, stale_at, body)
    wrong_key = signature.sign("not-the-secret", int(time.time()), body)

    answers = [
        await shop.post_webhook(forged, headers),
        await shop.post_webhook(body, {signature.HEADER.lower(): stale}),
        await shop.post_webhook(body, {signature.HEADER.lower(): wrong_key}),
        await shop.post_webhook(body, {}),
    ]

    assert [a.status_code for a in answers] == [400, 400, 400, 400]
    assert all(a.headers["content-type"].startswith("application/problem+json") for a in answers)
    assert await _written(shop) == before
    assert await shop.events(payment_id) == ["PaymentStarted"]


async def test_a_replayed_event_id_is_answered_200_and_changes_nothing(shop: Shop) -> None:
    payment_id, body, headers = await _slow_payment(shop)
    first = await shop.post_webhook(body, headers)
    after_first = await _written(shop)
    resigned = signature.sign(shop.sandbox.secret, int(time.time()), body)

    again = [
        await shop.post_webhook(body, headers),
        await shop.post_webhook(body, {signature.HEADER.lower(): resigned}),
    ]

    assert first.json() == {"received": "applied"}
    assert [a.json() for a in again] == [{"received": "duplicate"}] * 2
    assert await _written(shop) == after_first
    assert await shop.events(payment_id) == ["PaymentStarted", "PaymentAuthorized"]


async def test_a_provider_not_in_use_is_not_found(shop: Shop) -> None:
    resp = await shop.http.post("/v1/payments/webhooks/stripe", content=b"{}")
    assert resp.status_code == 404
    unknown = await shop.http.post("/v1/payments/webhooks/paypal", content=b"{}")
    assert unknown.status_code == 422


class Crash(Exception):
    """The process dies: after the provider answered, before anything was appended."""


class AnswersThenCrashes:
    """The real sandbox adapter, whose process dies right after the provider's answer."""

    def __init__(self, real: Any) -> None:
        self.real, self.name = real, real.name

    async def authorize(self, *args: Any) -> Authorization:
        await self.real.authorize(*args)
        raise Crash

    async def capture(self, *args: Any) -> Capture:
        await self.real.capture(*args)
        raise Crash

    def __getattr__(self, name: str) -> Any:
        return getattr(self.real, name)


def _crashing(shop: Shop) -> Any:
    steps = shop.app.state.payments.steps
    return replace(steps, provider=AnswersThenCrashes(steps.provider))


async def test_a_crash_after_the_authorization_resumes_with_one_authorization(
    shop: Shop,
) -> None:
    hold = await shop.hold(await shop.vehicle(), shop.clock() + timedelta(days=1))
    who = customer(shop.customer_id)
    with pytest.raises(Crash):
        await pay_for_hold(
            _crashing(shop),
            who,
            UUID(hold["hold_id"]),
            "tok_visa",
            shop.clock(),
            shop.app.state.new_id,
            context("a customer's request"),
        )
    payment_id = await shop.app.state.pool.fetchval(
        "SELECT payment_id::text FROM payments WHERE hold_id = $1", UUID(hold["hold_id"])
    )
    assert await shop.events(payment_id) == ["PaymentStarted"]
    assert shop.entries(payment_id, "authorized") == 1

    await asyncio.sleep(5.2)  # the manager leaves a new payment to its request for 5 s
    while await shop.step():
        pass

    assert await shop.events(payment_id) == ["PaymentStarted", "PaymentAuthorized"]
    assert shop.entries(payment_id, "authorized") == 1
    confirmed = await shop.app.state.pool.fetchval(
        "SELECT count(*) FROM events WHERE event_type = 'HoldConfirmed' AND data->>'hold_id' = $1",
        hold["hold_id"],
    )
    assert confirmed == 1


async def test_a_crash_after_the_capture_resumes_with_one_capture(shop: Shop) -> None:
    payment_id, booking_id, price = await shop.paid_booking(shop.clock() + timedelta(hours=10))
    await shop.http.post(
        f"/v1/bookings/{booking_id}/cancel", json={"reason": "plans"}, headers=shop.customer
    )
    dying = PaymentManager("unused", _crashing(shop), shop.clock, 3600)

    with pytest.raises(Crash):
        await dying.run_once()
    assert shop.entries(payment_id, "captured") == 1
    assert "PaymentCaptured" not in await shop.events(payment_id)
    while await shop.step():  # the next leader, same database, same provider
        pass

    assert shop.entries(payment_id, "captured") == 1
    assert shop.ledger(payment_id)["captured"] == price - price // 2
    assert (await shop.events(payment_id)).count("PaymentCaptured") == 1
