"""Steady booking load through the public API that rides out crashes like a careful client."""

from __future__ import annotations

import asyncio
import itertools
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx

from shared.kit.auth.client import Credentials, SignedIn
from tests.integration.conftest import new_vehicle

RETRY_FOR_S = 60.0  # a refused or failed booking is retried with the same key this long


class BookingLoad:
    """Books disjoint windows on a few vehicles; remembers every acknowledged booking.

    Each booking keeps its Idempotency-Key across retries, so a retry after a lost
    response can never book twice, and the set of 201s is exactly what was promised.
    """

    def __init__(self, base_url: str, admin: Credentials, vehicles: int = 8) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=10, auth=SignedIn(admin, base_url))
        self.vehicle_count = vehicles
        self.vehicles: list[str] = []
        self.acknowledged: dict[str, str] = {}  # booking_id -> consistency token
        self.failures = 0  # attempts answered 5xx or not at all (then retried)
        self.abandoned = 0
        self._slots = itertools.count()
        self._base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
        self._base += timedelta(days=2)

    async def setup(self) -> None:
        for _ in range(self.vehicle_count):
            resp = await self.http.post("/v1/vehicles", json=new_vehicle())
            resp.raise_for_status()
            self.vehicles.append(resp.json()["vehicle_id"])

    def _next_booking(self) -> dict[str, str]:
        """A window nobody holds: slots walk the vehicles, then the hours."""
        slot = next(self._slots)
        vehicle, hour = slot % self.vehicle_count, slot // self.vehicle_count
        start = self._base + timedelta(hours=2 * hour)
        return {
            "vehicle_id": self.vehicles[vehicle],
            "start": start.isoformat(),
            "end": (start + timedelta(hours=1)).isoformat(),
        }

    async def book_one(self) -> str | None:
        """One booking, retried until acknowledged (booking id) or RETRY_FOR_S passed."""
        body, key = self._next_booking(), f"load-{uuid.uuid4()}"
        deadline = time.monotonic() + RETRY_FOR_S
        while time.monotonic() < deadline:
            try:
                resp = await self.http.post(
                    "/v1/bookings", json=body, headers={"Idempotency-Key": key}
                )
            except httpx.TransportError:
                resp = None
            if resp is not None and resp.status_code == 201:
                booked = resp.json()
                self.acknowledged[booked["booking_id"]] = booked["consistency_token"]
                return str(booked["booking_id"])
            if resp is not None and resp.status_code < 500:
                raise AssertionError(f"booking refused: {resp.status_code} {resp.text}")
            self.failures += 1
            await asyncio.sleep(0.2)
        self.abandoned += 1
        return None

    async def run(self, seconds: float, concurrency: int = 4) -> None:
        """Book continuously for `seconds` with `concurrency` clients."""
        stop_at = time.monotonic() + seconds

        async def client() -> None:
            while time.monotonic() < stop_at:
                await self.book_one()

        await asyncio.gather(*(client() for _ in range(concurrency)))

    async def close(self) -> None:
        await self.http.aclose()
