"""Random commands through the public command API: every event type, bounded in count."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx

from shared.kit.auth.client import Credentials, SignedIn
from tests.integration.conftest import new_vehicle


class Workload:
    """Registers vehicles, then drives random holds, bookings, trips and maintenance (the
    admin books for themselves: staff may book only for accounts of their organization)."""

    def __init__(self, base_url: str, admin: Credentials, seed: int, vehicles: int = 20) -> None:
        self.http = httpx.AsyncClient(base_url=base_url, timeout=30, auth=SignedIn(admin, base_url))
        self.rng = random.Random(seed)
        self.vehicle_count = vehicles
        self.vehicles: list[str] = []
        self.bookings: list[str] = []
        self.holds: list[str] = []
        self.trips: list[str] = []
        self.statuses: Counter[int] = Counter()
        self.odometer = 10**5  # rises with every reading, so readings never go backwards
        self.base = datetime.now(UTC).replace(microsecond=0) + timedelta(days=1)

    async def setup(self) -> None:
        for _ in range(self.vehicle_count):
            resp = await self.http.post("/v1/vehicles", json=new_vehicle())
            self.vehicles.append(resp.json()["vehicle_id"])

    def _window(self, soon: bool = False) -> tuple[str, str]:
        if soon:  # a trip may start 15 min before the window: start it right away
            start = datetime.now(UTC) + timedelta(minutes=5)
        else:
            start = self.base + timedelta(hours=self.rng.randrange(0, 24 * 60))
        end = start + timedelta(hours=self.rng.choice([1, 2, 3, 26]))
        return start.isoformat(), end.isoformat()

    async def step(self) -> None:
        roll = self.rng.random()
        vehicle = self.rng.choice(self.vehicles)
        if roll < 0.35:
            await self._book(vehicle)
        elif roll < 0.5:
            await self._hold(vehicle)
        elif roll < 0.6 and self.bookings:
            booking = self.bookings.pop(self.rng.randrange(len(self.bookings)))
            await self._post(f"/v1/bookings/{booking}/cancel", {"reason": "changed plans"})
        elif roll < 0.72:
            await self._trip(vehicle)
        elif roll < 0.8:
            start, end = self._window()
            resp = await self._post(
                f"/v1/vehicles/{vehicle}/maintenance",
                {"start": start, "end": end, "reason": "service"},
            )
            if resp.status_code == 201 and self.rng.random() < 0.5:
                await self._post(
                    f"/v1/maintenance/{resp.json()['maintenance_id']}/complete",
                    {"odometer_km": self._reading()},
                )
        elif roll < 0.88:
            status = self.rng.choice(["available", "maintenance", "inactive"])
            await self._post(f"/v1/vehicles/{vehicle}/status", {"status": status, "reason": "ops"})
        else:
            # An absolute change: sent again, it leaves the vehicle as once would.
            seats = {"seats": self.rng.randrange(2, 9)}
            await self._send("PATCH", f"/v1/vehicles/{vehicle}", seats)

    async def _post(self, path: str, body: dict[str, Any] | None = None) -> httpx.Response:
        """POST with an Idempotency-Key: sent again, it can never apply the command twice."""
        headers = {"Idempotency-Key": f"wl-{self.rng.getrandbits(64):016x}"}
        return await self._send("POST", path, body, headers)

    async def _send(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """A request retried once on a dropped connection, as a careful client would: a
        pooled keep-alive connection can be closed by the server just as it is reused."""
        try:
            resp = await self.http.request(method, path, json=body, headers=headers)
        except httpx.TransportError:
            resp = await self.http.request(method, path, json=body, headers=headers)
        self.statuses[resp.status_code] += 1
        return resp

    async def _book(self, vehicle: str) -> None:
        start, end = self._window()
        resp = await self._post("/v1/bookings", {"vehicle_id": vehicle, "start": start, "end": end})
        if resp.status_code == 201:
            self.bookings.append(resp.json()["booking_id"])

    async def _hold(self, vehicle: str) -> None:
        start, end = self._window()
        resp = await self._post(
            "/v1/holds",
            {
                "vehicle_id": vehicle,
                "start": start,
                "end": end,
                "ttl_seconds": 60,
            },
        )
        if resp.status_code != 201:
            return
        hold = resp.json()["hold_id"]
        if self.rng.random() < 0.5:
            confirmed = await self._post(f"/v1/holds/{hold}/confirm")
            if confirmed.status_code == 201:
                self.bookings.append(confirmed.json()["booking_id"])
        elif self.rng.random() < 0.5:
            await self._post(f"/v1/holds/{hold}/release")

    async def _trip(self, vehicle: str) -> None:
        start, end = self._window(soon=True)
        booked = await self._post(
            "/v1/bookings", {"vehicle_id": vehicle, "start": start, "end": end}
        )
        if booked.status_code != 201:
            return
        trip = await self._post(
            "/v1/trips", {"booking_id": booked.json()["booking_id"], "odometer_km": self._reading()}
        )
        if trip.status_code == 201:
            await self._post(
                f"/v1/trips/{trip.json()['trip_id']}/end", {"odometer_km": self._reading()}
            )

    def _reading(self) -> int:
        self.odometer += self.rng.randrange(1, 400)
        return self.odometer

    async def run(self, steps: int, concurrency: int = 8) -> None:
        """`steps` random commands with `concurrency` in flight."""
        remaining = iter(range(steps))

        async def worker() -> None:
            for _ in remaining:
                await self.step()

        await asyncio.gather(*(worker() for _ in range(concurrency)))

    async def close(self) -> None:
        await self.http.aclose()
