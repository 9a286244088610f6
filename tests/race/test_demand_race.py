"""64 clients on two command-service processes book (and cancel) the last free vehicles
of one pricing policy at once. Every recorded demand figure equals a recount, in event-log
order, of the bookings appended before it, and the demand table equals a recount of the
whole log: no update is lost, however the appends interleave.
"""

from __future__ import annotations

import asyncio
import json
import random
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import httpx
import pytest

from command_service.domain.pricing import window_hours
from shared.kit.auth.client import SignedIn
from shared.pricing.priced import Priced
from tests.integration.conftest import new_vehicle
from tests.pricing import policy_body, publish_policy

pytestmark = pytest.mark.race
CLIENTS = 64
VEHICLES = 12
TRIES = 6  # per client: bounded whatever happens
MAKE = "Demandcar"

LOG = """
SELECT event_type, data FROM events
WHERE event_type IN ('BookingConfirmed', 'BookingCancelled') ORDER BY global_position
"""


def windows(base: datetime) -> list[tuple[datetime, datetime]]:
    """Overlapping windows of 1..5 hours, some not on the hour: partial hour overlaps."""
    return [
        (base + timedelta(minutes=30 * i), base + timedelta(minutes=30 * i + 60 * (1 + i % 5)))
        for i in range(8)
    ]


async def client(
    http: httpx.AsyncClient, vehicles: list[str], slots: list[Any], seed: int, seen: Counter[int]
) -> None:
    """Book a random vehicle and window until one sticks; now and then cancel it again."""
    rng = random.Random(seed)
    for _ in range(TRIES):
        start, end = rng.choice(slots)
        target = {
            "vehicle_id": rng.choice(vehicles),
            "start": start.isoformat(),
            "end": end.isoformat(),
        }
        resp = await http.post("/v1/bookings", json=target)
        seen[resp.status_code] += 1
        if resp.status_code != 201:
            continue
        if rng.random() < 0.3:
            cancelled = await http.post(
                f"/v1/bookings/{resp.json()['booking_id']}/cancel", json={"reason": "race"}
            )
            seen[cancelled.status_code] += 1
            continue
        return


def recount(log: list[asyncpg.Record], policy_id: str) -> tuple[int, Counter[datetime]]:
    """Walk the log in order: check each booking's figure against the bookings before it;
    the bookings checked and the booked hours at the end."""
    booked: Counter[datetime] = Counter()
    windows_of: dict[str, list[datetime]] = {}
    checked = 0
    for row in log:
        data = json.loads(row["data"])
        if row["event_type"] == "BookingCancelled":
            for hour in windows_of.pop(data["booking_id"], []):
                booked[hour] -= 1
            continue
        pricing = Priced.model_validate(data["pricing"])
        assert str(pricing.policy_id) == policy_id and pricing.demand is not None
        hours = window_hours(
            datetime.fromisoformat(data["start"]), datetime.fromisoformat(data["end"])
        )
        assert pricing.demand.booked_hours == sum(booked[h] for h in hours), data["booking_id"]
        assert pricing.demand.capacity_hours == VEHICLES * len(hours)
        windows_of[data["booking_id"]] = hours
        for hour in hours:
            booked[hour] += 1
        checked += 1
    return checked, booked


async def test_demand_figures_equal_a_recount_of_the_log(two_services: Any) -> None:
    dsn, urls, admin = two_services
    https = [httpx.AsyncClient(base_url=u, timeout=60, auth=SignedIn(admin, u)) for u in urls]
    try:
        policy_id = await publish_policy(https[0], policy_body(MAKE))
        vehicles = []
        for _ in range(VEHICLES):
            resp = await https[0].post("/v1/vehicles", json=new_vehicle(make=MAKE))
            assert resp.status_code == 201, resp.text
            vehicles.append(resp.json()["vehicle_id"])
        base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        seen: Counter[int] = Counter()
        await asyncio.wait_for(
            asyncio.gather(
                *(client(https[i % 2], vehicles, windows(base), i, seen) for i in range(CLIENTS))
            ),
            timeout=240,
        )
    finally:
        for http in https:
            await http.aclose()

    assert not [s for s in seen if s >= 500], seen
    assert seen[201] >= VEHICLES and seen[409] > 0, seen  # contested, and many got through
    conn = await asyncpg.connect(dsn)
    try:
        log = await conn.fetch(LOG)
        table = await conn.fetch(
            "SELECT hour, booked_hours FROM policy_demand WHERE policy_id = $1", policy_id
        )
    finally:
        await conn.close()
    checked, booked = recount(log, policy_id)
    assert checked >= VEHICLES
    assert {r["hour"]: r["booked_hours"] for r in table if r["booked_hours"]} == {
        h: n for h, n in booked.items() if n
    }
