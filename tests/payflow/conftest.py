"""The command app over the real database, paying through the real sandbox provider
process; its webhooks land on a recording server and are handed to the app as received
(unchanged bytes and headers), when the test chooses: late, twice or out of order."""

from __future__ import annotations

import math
import uuid
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import pytest_asyncio

from command_service.api.app import create_app
from command_service.payments.settings import PaymentSettings
from shared.payments import signature
from tests.conftest import FakeClock, in_process_settings
from tests.integration.conftest import add_account, bearer, new_vehicle, token_for
from tests.payments.sandbox_process import Sandbox, running_sandbox
from tests.waiting import until

HOURLY = 1200  # new_vehicle()'s hourly rate


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(Path(tmp_path_factory.mktemp("sandbox"))) as running:
        yield running


@dataclass
class Shop:
    """One organization's API as its admin and one of its customers."""

    http: httpx.AsyncClient
    app: Any
    clock: FakeClock
    sandbox: Sandbox
    admin: dict[str, str]
    customer: dict[str, str]
    customer_id: uuid.UUID
    forwarded: int = 0
    vehicles: list[str] = field(default_factory=list)

    async def vehicle(self) -> str:
        resp = await self.http.post("/v1/vehicles", json=new_vehicle(), headers=self.admin)
        assert resp.status_code == 201, resp.text
        return str(resp.json()["vehicle_id"])

    async def hold(self, vehicle: str, start: datetime, hours: int = 2, ttl: int = 900) -> Any:
        body = {
            "vehicle_id": vehicle,
            "start": start.isoformat(),
            "end": (start + timedelta(hours=hours)).isoformat(),
            "ttl_seconds": ttl,
        }
        resp = await self.http.post("/v1/holds", json=body, headers=self.customer)
        assert resp.status_code == 201, resp.text
        return resp.json()

    async def pay(self, hold_id: str, card: str = "tok_visa") -> httpx.Response:
        return await self.http.post(
            f"/v1/holds/{hold_id}/payment", json={"card_token": card}, headers=self.customer
        )

    async def paid_booking(self, start: datetime, hours: int = 2) -> tuple[str, str, int]:
        """(payment_id, booking_id, price) of a hold paid with tok_visa."""
        hold = await self.hold(await self.vehicle(), start, hours)
        resp = await self.pay(hold["hold_id"])
        assert resp.status_code == 201, resp.text
        return resp.json()["payment_id"], resp.json()["booking_id"], hold["price_cents"]

    async def step(self) -> int:
        """One round of the payment process manager."""
        taken: int = await self.app.state.payments.run_once()
        return taken

    async def deliver_webhooks(self, at_least: int = 1) -> list[httpx.Response]:
        """Hand the sandbox's webhooks received since the last call to the app, as sent,
        once at least `at_least` of them have arrived (the sandbox sends after answering)."""
        await until(lambda: len(self.sandbox.webhooks.requests) - self.forwarded >= at_least)
        fresh = self.sandbox.webhooks.requests[self.forwarded :]
        self.forwarded += len(fresh)
        return [await self.post_webhook(r.body, r.headers) for r in fresh]

    async def post_webhook(self, body: bytes, headers: dict[str, str]) -> httpx.Response:
        wanted = {signature.HEADER: headers.get(signature.HEADER.lower(), "")}
        return await self.http.post(
            "/v1/payments/webhooks/sandbox",
            content=body,
            headers={**wanted, "Content-Type": "application/json"},
        )

    def ledger(self, payment_id: str) -> dict[str, int]:
        """What the sandbox's ledger shows moved for a payment, per kind (EUR)."""
        totals = dict.fromkeys(("authorized", "captured", "voided", "refunded", "declined"), 0)
        for entry in self.sandbox.ledger(reference=payment_id):
            totals[str(entry["kind"])] += int(str(entry["amount_cents"]))
        return totals

    def entries(self, payment_id: str, kind: str) -> int:
        return sum(1 for e in self.sandbox.ledger(reference=payment_id) if e["kind"] == kind)

    async def events(self, payment_id: str) -> list[str]:
        rows = await self.app.state.pool.fetch(
            "SELECT event_type FROM events WHERE stream_id = $1 ORDER BY version",
            uuid.UUID(payment_id),
        )
        return [r["event_type"] for r in rows]


def late_fee(late: timedelta, hourly: int = HOURLY) -> int:
    """The rule as API.md states it: each started hour past `end` at the hourly rate."""
    return math.ceil(late / timedelta(hours=1)) * hourly if late > timedelta(0) else 0


@pytest_asyncio.fixture
async def shop(command_dsn: str, clock: FakeClock, sandbox: Sandbox) -> AsyncIterator[Shop]:
    payments = PaymentSettings(sandbox_url=sandbox.url, sandbox_webhook_secret=sandbox.secret)
    settings = in_process_settings(
        command_dsn, pool_max=8, payments=payments, payment_manager_interval_ms=3_600_000
    )
    app = create_app(settings, clock=clock)
    async with app.router.lifespan_context(app):
        customer_id = await add_account(app, "customer")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://command") as http:
            yield Shop(
                http,
                app,
                clock,
                sandbox,
                bearer(await token_for(app, "admin")),
                bearer(await token_for(app, "customer", customer_id)),
                customer_id,
                len(sandbox.webhooks.requests),
            )
