"""`make run` takes payments: the launcher wires the command service to the sandbox
(its URL and webhook secret) and the sandbox's webhooks to the command service, and the
leader's payment process manager settles bookings by itself."""

from __future__ import annotations

import asyncio
import secrets
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from shared.kit.auth.client import Credentials, SignedIn
from tests.integration.conftest import new_vehicle
from tests.pipeline.launched import Launched, launched


@pytest.fixture(scope="module")
def stack() -> Iterator[Launched]:
    with launched(command_workers=2) as started:
        yield started


async def _customer(stack: Launched) -> SignedIn:
    email, password = f"payer-{secrets.token_hex(4)}@example.com", secrets.token_urlsafe(12)
    async with httpx.AsyncClient(timeout=30) as http:
        made = await http.post(
            f"{stack.command_url}/v1/auth/register",
            json={"email": email, "password": password, "name": "Payer"},
        )
    assert made.status_code == 201, made.text
    return SignedIn(Credentials(email, password), stack.command_url)


async def _eventually(check: Any, timeout_s: float = 60.0) -> Any:
    for _ in range(int(timeout_s / 0.25)):
        found = await check()
        if found:
            return found
        await asyncio.sleep(0.25)
    raise AssertionError("not within the time allowed")


async def test_a_slow_card_is_settled_by_a_real_webhook_and_a_cancellation_by_the_leader(
    stack: Launched,
) -> None:
    admin = SignedIn(stack.accounts.admin, stack.command_url)
    start = (datetime.now(UTC) + timedelta(days=3)).replace(minute=0, second=0, microsecond=0)
    window = {"start": start.isoformat(), "end": (start + timedelta(hours=2)).isoformat()}
    async with httpx.AsyncClient(base_url=stack.command_url, timeout=30, auth=admin) as staff:
        vehicle = (await staff.post("/v1/vehicles", json=new_vehicle())).json()["vehicle_id"]
    payer = await _customer(stack)
    db = await asyncpg.connect(stack.command_dsn)
    try:
        async with httpx.AsyncClient(base_url=stack.command_url, timeout=30, auth=payer) as me:
            slow = await me.post("/v1/holds", json={"vehicle_id": vehicle, **window})
            pending = await me.post(
                f"/v1/holds/{slow.json()['hold_id']}/payment", json={"card_token": "tok_slow"}
            )
            assert pending.status_code == 201 and pending.json()["status"] == "pending"

            async def booked() -> Any:
                return await db.fetchval(
                    "SELECT data->>'booking_id' FROM events WHERE event_type = 'HoldConfirmed'"
                    " AND data->>'hold_id' = $1",
                    slow.json()["hold_id"],
                )

            booking = await _eventually(booked)  # the sandbox's webhook reached the service
            cancelled = await me.post(f"/v1/bookings/{booking}/cancel", json={"reason": "x"})
            assert cancelled.json()["refund_percent"] == 100

        payment = pending.json()["payment_id"]

        async def voided() -> Any:
            async with httpx.AsyncClient(base_url=stack.sandbox_url) as sandbox:
                answer = await sandbox.get("/v1/ledger", params={"reference": payment})
            return [e["kind"] for e in answer.json()["entries"]].count("voided")

        async def settled() -> list[str]:
            # The manager records the void once the provider has answered: after the
            # provider's ledger shows it, not necessarily before this test reads both.
            rows = await db.fetch(
                "SELECT event_type FROM events WHERE stream_id = $1::uuid ORDER BY version",
                payment,
            )
            kinds = [r["event_type"] for r in rows]
            return kinds if kinds[-1:] != ["PaymentAuthorized"] else []

        assert await _eventually(voided) == 1  # the leader's manager voided it, unasked
        assert await _eventually(settled) == [
            "PaymentStarted",
            "PaymentAuthorized",
            "PaymentVoided",
        ]
    finally:
        await db.close()
