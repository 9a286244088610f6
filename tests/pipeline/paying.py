"""Paid bookings on the launched stack for the payments fault test: customers, holds paid
through the sandbox provider, the simulated clock, and what each outcome should capture.

Every call that may meet a crash or the provider's outage is retried with the same
Idempotency-Key until it has an answer, as a client of a real product would.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, Literal

import httpx

from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.refunds import refund_cents, refund_percent
from shared.kit.auth.client import Credentials, SignedIn
from tests.integration.conftest import new_vehicle
from tests.pipeline.launched import Launched

Outcome = Literal["trip", "late", "cancelled", "no_show"]
OUTCOMES: tuple[Outcome, ...] = ("trip", "late", "cancelled", "no_show")
HOURLY_CENTS = 1_200  # the policy's hourly rate, as new_vehicle's
# The policy's deposit is authorized with the price, so a late fee can be captured.
POLICY = {"name": "Paid rentals", "currency": "EUR", "priority": 1, "deposit_cents": 10_000,
          "rates": {"hourly_cents": HOURLY_CENTS, "daily_cents": 100_000}}  # fmt: skip
LATE_BY = timedelta(minutes=70)  # two started hours past the end
RETRY_FOR_S = 90.0
SETTLE_FOR_S = 180.0  # a webhook held until most bookings are paid, then the outage


@dataclass
class Paid:
    """One paid booking and what happens to it."""

    booking_id: str
    payment_id: str
    vehicle_id: str
    start: datetime
    end: datetime
    price_cents: int
    outcome: Outcome
    customer: httpx.AsyncClient
    refund_cents: int = 0
    trip_id: str = ""
    odometer_km: int = 1_000  # the vehicle's reading when its trip starts

    def expected_capture(self) -> int:
        """The capture the rules of API.md "Payments" ask for."""
        if self.outcome == "late":
            return self.price_cents + 2 * HOURLY_CENTS
        if self.outcome == "cancelled":
            return self.price_cents - self.refund_cents
        return self.price_cents  # a trip within its window, or a no-show


async def call(
    http: httpx.AsyncClient, method: str, url: str, body: Any = None, conflict_ok: bool = False
) -> Any:
    """The JSON answer of a 2xx, retried through transport errors, 5xx and 503s with the
    same Idempotency-Key (a crashed command service, a provider that is down); None for a
    409 after a lost answer when `conflict_ok` (the first attempt went through)."""
    key, deadline, retried = str(uuid.uuid4()), time.monotonic() + RETRY_FOR_S, False
    while True:
        try:
            answer = await http.request(method, url, json=body, headers={"Idempotency-Key": key})
            if answer.status_code == 409 and retried and conflict_ok:
                return None
            if answer.status_code < 500:
                assert answer.is_success, (method, url, answer.status_code, answer.text)
                return answer.json()
        except httpx.TransportError:
            pass
        retried = True
        assert time.monotonic() < deadline, f"{method} {url} never answered"
        await asyncio.sleep(0.2)


async def read_when(
    http: httpx.AsyncClient,
    url: str,
    accepted: Callable[[dict[str, Any]], bool],
    within_s: float = RETRY_FOR_S,
) -> dict[str, Any]:
    """What the query service answers at `url`, once it is a 200 that `accepted`. No
    transport error is retried: the test never kills the query service."""
    deadline = time.monotonic() + within_s
    while True:
        answer = await http.get(url)
        if answer.status_code == 200 and accepted(answer.json()):
            return dict(answer.json())
        assert time.monotonic() < deadline, (url, answer.text)
        await asyncio.sleep(0.2)


class PayingStack:
    """The admin's, the sandbox's and customers' clients on a launched stack."""

    def __init__(self, stack: Launched) -> None:
        self.stack = stack
        auth = SignedIn(stack.accounts.admin, stack.command_url)
        self.admin = httpx.AsyncClient(base_url=stack.command_url, auth=auth, timeout=30)
        self.query = httpx.AsyncClient(base_url=stack.query_url, auth=auth, timeout=30)
        self.sandbox = httpx.AsyncClient(base_url=stack.sandbox_url, timeout=30)
        self.customers: list[httpx.AsyncClient] = []

    async def aclose(self) -> None:
        for http in (self.admin, self.query, self.sandbox, *self.customers):
            await http.aclose()

    async def setup(self, vehicles: int, customers: int) -> list[str]:
        """Payments required; `vehicles` vehicles (their ids) priced by one policy with a
        deposit, and signed-in customers."""
        org = f"/v1/organizations/{DEFAULT_ORGANIZATION_ID}"
        await call(self.admin, "PATCH", org, {"payments": "required"})
        ids = [(await call(self.admin, "POST", "/v1/vehicles", new_vehicle()))["vehicle_id"]
               for _ in range(vehicles)]  # fmt: skip
        policy = {**POLICY, "applies_to": {"vehicle_ids": ids}}
        await call(self.admin, "POST", "/v1/pricing/policies", policy)
        for i in range(customers):
            who = Credentials(f"payer-{i}-{uuid.uuid4().hex[:6]}@faults.example", "pay pay pay")
            body = {"email": who.email, "password": who.password, "name": f"Payer {i}"}
            await call(self.admin, "POST", "/v1/auth/register", body)
            auth = SignedIn(who, self.stack.command_url)
            self.customers.append(httpx.AsyncClient(base_url=self.stack.command_url,
                                                    auth=auth, timeout=30))  # fmt: skip
        return ids

    async def now(self) -> datetime:
        return datetime.fromisoformat((await call(self.admin, "GET", "/v1/dev/clock"))["now"])

    async def move_clock(self, to: datetime) -> None:
        await call(self.admin, "PUT", "/v1/dev/clock", {"now": to.isoformat()})

    async def pay(self, customer: httpx.AsyncClient, vehicle: str, start: datetime,
                  end: datetime, card: str) -> str:  # fmt: skip
        """A hold on [start, end), paid with `card`: the payment's id (maybe pending)."""
        body = {"vehicle_id": vehicle, "start": start.isoformat(), "end": end.isoformat(),
                "ttl_seconds": 3600}  # fmt: skip
        hold = await call(customer, "POST", "/v1/holds", body)
        paid = await call(customer, "POST", f"/v1/holds/{hold['hold_id']}/payment",
                          {"card_token": card}, conflict_ok=True)  # fmt: skip
        if paid is None:  # paid by the attempt whose answer the crash lost
            return await self.payment_of(customer, hold["hold_id"])
        return str(paid["payment_id"])

    async def payment_of(self, customer: httpx.AsyncClient, hold_id: str) -> str:
        """The customer's payment of the hold, as the read side lists it."""
        url = f"{self.stack.query_url}/v1/payments?limit=500"
        mine = await read_when(customer, url, lambda page: any(
            p["hold_id"] == hold_id for p in page["items"]))  # fmt: skip
        return str([p for p in mine["items"] if p["hold_id"] == hold_id][-1]["payment_id"])

    async def booked(self, payment_id: str, customer: httpx.AsyncClient, outcome: Outcome,
                     window: tuple[datetime, datetime]) -> Paid:  # fmt: skip
        """The paid booking, once its payment is authorized (a webhook's, maybe) and the
        read side shows the booking: the manager confirms the hold after the authorization,
        in a later step (docs/payments.md)."""
        payment = await self.settled(payment_id, ("authorized",), SETTLE_FOR_S)
        await self.visible(f"/v1/bookings/{payment['booking_id']}")
        return Paid(payment["booking_id"], payment_id, payment["vehicle_id"], *window,
                    payment["price_cents"], outcome, customer)  # fmt: skip

    async def settled(
        self, payment_id: str, statuses: tuple[str, ...], within_s: float = RETRY_FOR_S
    ) -> dict[str, Any]:
        """The payment as the read side shows it, once its status is one of `statuses`."""
        path = f"/v1/payments/{payment_id}"
        return await read_when(self.query, path, lambda p: p["status"] in statuses, within_s)

    async def visible(self, path: str) -> None:
        """Wait until the query service answers 200 at `path`."""
        await read_when(self.query, path, lambda _: True)

    async def cancel(self, paid: Paid, now: datetime) -> None:
        url = f"/v1/bookings/{paid.booking_id}/cancel"
        answer = await call(paid.customer, "POST", url, {"reason": "plans changed"})
        paid.refund_cents = answer["refund_cents"]
        assert paid.refund_cents == refund_cents(paid.price_cents, refund_percent(paid.start, now))

    async def start_trip(self, paid: Paid) -> None:
        body = {"booking_id": paid.booking_id, "odometer_km": paid.odometer_km}
        paid.trip_id = (await call(paid.customer, "POST", "/v1/trips", body))["trip_id"]

    async def end_trip(self, paid: Paid) -> None:
        body = {"odometer_km": paid.odometer_km + 50}
        await call(paid.customer, "POST", f"/v1/trips/{paid.trip_id}/end", body)

    async def redeliver(self, event_id: str) -> None:
        await call(self.sandbox, "POST", f"/v1/test/webhooks/{event_id}/redeliver")

    async def webhook_events(self) -> list[str]:
        return [e["id"] for e in (await call(self.sandbox, "GET", "/v1/events"))["events"]]

    async def faults(self, **switches: Any) -> None:
        await call(self.sandbox, "PUT", "/v1/test/faults", switches)

    async def ledger(self) -> list[dict[str, Any]]:
        entries: list[dict[str, Any]] = (await call(self.sandbox, "GET", "/v1/ledger"))["entries"]
        return entries
