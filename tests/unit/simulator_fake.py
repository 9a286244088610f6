"""A scripted stand-in for the command API, to test the simulator's planning in isolation.

Ids derive from the request (uuid5), answers arrive in a shuffled order, and about one
calendar request in seven is refused with 409, so determinism is tested against replies
that come back in a different order every run.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import uuid
from collections import Counter
from datetime import datetime
from typing import Any

import httpx

from shared.pricing.engine import price_window
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms

NS = uuid.UUID("6f1f3c1e-5b0a-4c55-9d61-0f0e3c1a2b3c")


class FakeCommandApi:
    """Answers the routes the simulator uses; remembers what it was sent."""

    def __init__(self, now: str = "2030-01-06T22:10:00Z", quotes: bool = True) -> None:
        self.now, self.quoting = now, quotes
        self.calls: Counter[str] = Counter()
        self.bodies: list[tuple[str, str, dict[str, Any]]] = []
        self.jitter = random.Random()  # unseeded on purpose: answer order varies
        self.policies: dict[tuple[str, str], PolicyVersion] = {}
        self.models: dict[str, tuple[str, str]] = {}  # vehicle id → (make, model)
        self.quotes: dict[str, int] = {}  # quote id → price
        self.quoted: dict[str, dict[str, Any]] = {}  # quote id → the quote's request
        self.keys: dict[str, dict[str, Any]] = {}  # Idempotency-Key → first answer

    def transport(self) -> httpx.MockTransport:
        return httpx.MockTransport(self.handle)

    async def handle(self, request: httpx.Request) -> httpx.Response:
        await asyncio.sleep(self.jitter.random() / 1000)
        body = json.loads(request.content) if request.content else {}
        path = request.url.path
        self.calls[f"{request.method} {_shape(path)}"] += 1
        self.bodies.append((request.method, path, body))
        key = request.headers.get("idempotency-key", "")
        if key.startswith("sim-pricing-") and key in self.keys:
            headers = {"Idempotent-Replayed": "true"}
            return httpx.Response(201, json=self.keys[key], headers=headers)
        status, answer = self._answer(request.method, path, body)
        if key.startswith("sim-pricing-"):
            self.keys[key] = answer
        return httpx.Response(status, json=answer)

    def _answer(self, method: str, path: str, body: dict[str, Any]) -> tuple[int, dict[str, Any]]:
        key = f"{method} {path} {json.dumps(body, sort_keys=True)}"
        new_id = str(uuid.uuid5(NS, key))
        refused = int(hashlib.sha256(key.encode()).hexdigest(), 16) % 7 == 0
        if path == "/v1/dev/clock":
            if method == "PUT":
                self.now = body["now"]
            return 200, {"now": self.now}
        if path.startswith("/v1/auth/") or path.startswith("/v1/users/"):
            return _auth(path, new_id)
        if path == "/v1/vehicles":
            self.models[new_id] = (body["make"], body["model"])
            return 201, {"vehicle_id": new_id, "version": 1}
        if path == "/v1/pricing/policies":
            terms = PricingTerms.model_validate(body)
            policy = PolicyVersion(uuid.UUID(new_id), 1, NS, terms)
            self.policies[terms.applies_to.make or "", terms.applies_to.model or ""] = policy
            return 201, {"policy_id": new_id, "version": 1}
        if path == "/v1/quotes" and not self.quoting:
            return 404, {"status": 404, "title": "Not Found", "detail": "Not Found"}
        if path == "/v1/quotes":
            return (409, {"status": 409}) if refused else self._quote(new_id, body, seed=key)
        if path in ("/v1/holds", "/v1/bookings"):
            if refused:
                return 409, {"status": 409, "title": "Conflict"}
            kind = "hold_id" if path == "/v1/holds" else "booking_id"
            price = self.quotes[body["quote_id"]]
            return 201, {kind: new_id, "vehicle_id": body["vehicle_id"], "price_cents": price}
        if path.endswith("/confirm"):
            return 201, {"booking_id": new_id, "price_cents": 1000}
        if path == "/v1/trips":
            return 201, {"trip_id": new_id}
        if path.endswith("/maintenance"):
            return 201, {"maintenance_id": new_id}
        if path.endswith("/end"):
            return 200, {"distance_km": 10}
        return 200, {"refund_cents": 0}

    def _quote(self, quote_id: str, body: dict[str, Any], seed: str) -> tuple[int, dict[str, Any]]:
        """Priced by the engine under the model's policy, with a made-up demand figure."""
        policy = self.policies[self.models[body["vehicle_id"]]]
        booked = int(hashlib.sha256(seed.encode()).hexdigest(), 16) % 11  # from the request
        start, end = (datetime.fromisoformat(body[k]) for k in ("start", "end"))
        priced = price_window(
            policy,
            start,
            end,
            booked_hours=booked,
            capacity_hours=10,
            extras=body.get("extras", []),
        )
        self.quotes[quote_id], self.quoted[quote_id] = priced.price_cents, body
        answer = priced.model_dump(mode="json") | {"quote_id": quote_id}
        answer["demand"] = {"utilization": booked / 10, "multiplier": priced.demand.multiplier}
        return 201, answer


def _auth(path: str, new_id: str) -> tuple[int, dict[str, Any]]:
    if path == "/v1/auth/register":
        return 201, {"user_id": new_id, "role": "customer"}
    if path in ("/v1/auth/token", "/v1/auth/refresh"):
        return 200, {"access_token": f"a-{new_id}", "refresh_token": "r", "expires_in": 900}
    return 200, {}


def _shape(path: str) -> str:
    parts = path.split("/")
    return "/".join("{id}" if len(p) == 36 and p.count("-") == 4 else p for p in parts)
