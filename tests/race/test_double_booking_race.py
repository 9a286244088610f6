"""Two command-service processes, 64 clients racing for 5 vehicles: never a double booking.

Afterwards the event store itself is checked with SQL: no two active blocks of a vehicle
overlap, every booking a client saw acknowledged (201) is in the store, and the calendar
rows the decisions read agree with the events.
"""

from __future__ import annotations

import asyncio
import os
import random
import time
from collections import Counter
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from shared.kit.auth.client import SignedIn
from tests.integration.conftest import new_vehicle

pytestmark = pytest.mark.race
CLIENTS = 64
VEHICLES = 5
DURATION_S = float(os.environ.get("FLEET_RACE_SECONDS", 20))
SLOTS = 40  # shared 2-hour slots: plenty of real overlaps

OVERLAPS = """
WITH blocks AS (
    SELECT stream_id, data->>'booking_id' AS id,
           (data->>'start')::timestamptz AS s, (data->>'end')::timestamptz AS e
    FROM events e WHERE event_type = 'BookingConfirmed'
      AND NOT EXISTS (SELECT 1 FROM events c WHERE c.stream_id = e.stream_id
                      AND c.event_type = 'BookingCancelled'
                      AND c.data->>'booking_id' = e.data->>'booking_id')
    UNION ALL
    SELECT stream_id, data->>'maintenance_id', (data->>'start')::timestamptz,
           (data->>'end')::timestamptz
    FROM events WHERE event_type = 'MaintenanceScheduled'
)
SELECT count(*) FROM blocks a JOIN blocks b
  ON a.stream_id = b.stream_id AND a.id < b.id AND a.s < b.e AND b.s < a.e
"""


# Booking rows of calendar_blocks against the events: the same bookings, the same status.
BLOCKS_DISAGREE = """
WITH from_events AS (
    SELECT e.stream_id, (e.data->>'booking_id')::uuid AS id,
           CASE WHEN EXISTS (SELECT 1 FROM events c WHERE c.stream_id = e.stream_id
                             AND c.event_type = 'BookingCancelled'
                             AND c.data->>'booking_id' = e.data->>'booking_id')
                THEN 'cancelled' ELSE 'confirmed' END AS status
    FROM events e WHERE e.event_type = 'BookingConfirmed'
), from_rows AS (
    SELECT vehicle_id AS stream_id, block_id AS id, status
    FROM calendar_blocks WHERE kind = 'booking'
)
SELECT count(*) FROM ((TABLE from_events EXCEPT TABLE from_rows)
                      UNION ALL (TABLE from_rows EXCEPT TABLE from_events)) AS d
"""


def slot(base: datetime, index: int) -> tuple[str, str]:
    start = base + timedelta(hours=2 * index)
    return start.isoformat(), (start + timedelta(hours=2)).isoformat()


async def client_loop(
    http: httpx.AsyncClient,
    vehicles: list[str],
    base: datetime,
    deadline: float,
    seed: int,
    acked: list[str],
    statuses: Counter[int],
) -> None:
    """One client: book, hold+confirm and cancel on random shared slots until the deadline."""
    rng = random.Random(seed)
    mine: list[str] = []
    while time.monotonic() < deadline:
        start, end = slot(base, rng.randrange(SLOTS))
        target = {
            "vehicle_id": rng.choice(vehicles),
            "start": start,
            "end": end,
        }  # the admin books for themselves (staff book only for their organization's)
        action = rng.random()
        if action < 0.15 and mine:
            resp = await http.post(f"/v1/bookings/{mine.pop()}/cancel", json={"reason": "race"})
        elif action < 0.35:
            resp = await http.post("/v1/holds", json=target)
            if resp.status_code == 201:
                resp = await http.post(f"/v1/holds/{resp.json()['hold_id']}/confirm")
        else:
            resp = await http.post("/v1/bookings", json=target)
        statuses[resp.status_code] += 1
        if resp.status_code == 201 and "booking_id" in resp.json():
            acked.append(resp.json()["booking_id"])
            mine.append(resp.json()["booking_id"])


async def test_racing_clients_on_two_processes_never_double_book(two_services):
    dsn, urls, admin = two_services
    clients = [httpx.AsyncClient(base_url=u, timeout=30, auth=SignedIn(admin, u)) for u in urls]
    try:
        vehicles = []
        for _ in range(VEHICLES):
            resp = await clients[0].post("/v1/vehicles", json=new_vehicle())
            vehicles.append(resp.json()["vehicle_id"])
        base = datetime.now(UTC).replace(minute=0, second=0, microsecond=0) + timedelta(days=2)
        acked: list[str] = []
        statuses: Counter[int] = Counter()
        deadline = time.monotonic() + DURATION_S
        await asyncio.gather(
            *(
                client_loop(clients[i % 2], vehicles, base, deadline, i, acked, statuses)
                for i in range(CLIENTS)
            )
        )
    finally:
        for client in clients:
            await client.aclose()

    assert not [s for s in statuses if s >= 500], statuses
    assert statuses[201] > 0 and statuses[409] > 0, statuses  # the race really was contested
    conn = await asyncpg.connect(dsn)
    try:
        assert await conn.fetchval(OVERLAPS) == 0
        assert await conn.fetchval(BLOCKS_DISAGREE) == 0, "calendar rows and events disagree"
        stored = {
            r["id"]
            for r in await conn.fetch(
                "SELECT data->>'booking_id' AS id FROM events WHERE event_type = 'BookingConfirmed'"
            )
        }
    finally:
        await conn.close()
    assert set(acked) <= stored, "an acknowledged booking is missing from the store"
