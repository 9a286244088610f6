"""Scenario (d): booking latency on a vehicle with 500 future bookings versus one with 10.

Both calendars are written straight into the event store with the domain: one-hour
bookings every 12 hours, starting two days ahead. The measured bookings then fall into
the gaps between them, the same windows on both vehicles, alternating which goes first.
"""

from __future__ import annotations

import time
import uuid
from datetime import UTC, datetime, timedelta

import orjson

from bench.loadgen import HttpConnection
from bench.scenarios import HOUR, booking_body, first_slot, register_vehicles
from bench.stack import HOST, Service
from bench.stream_length import (
    CUSTOMER,
    METADATA,
    StreamLengthResult,
    registration,
    seed_pair,
    warm_up,
)
from command_service.domain import commands as cmd
from command_service.domain import decide, fold
from command_service.store.event_store import EventStore
from shared.contract.events import Event

LONG, SHORT = 500, 10
SPACING = timedelta(hours=12)  # a seeded one-hour booking every 12 hours: 500 span 250 days
GAP_OFFSET = timedelta(hours=4)  # measured bookings start 4 h after a seeded one


async def seed_calendar(store: EventStore, bookings: int, first: datetime) -> uuid.UUID:
    """A registered vehicle with `bookings` future one-hour bookings, SPACING apart."""
    vehicle_id = uuid.uuid4()
    now = datetime.now(UTC)
    events: list[Event] = decide(None, registration(vehicle_id), now, uuid.uuid4)
    state = fold(events)
    for k in range(bookings):
        start = first + k * SPACING
        command = cmd.BookVehicle(uuid.uuid4(), CUSTOMER, start, start + HOUR)
        new = decide(state, command, now, uuid.uuid4)
        events, state = events + new, fold(new, state)
    assert state is not None
    await store.append(vehicle_id, None, events, state, METADATA)
    return vehicle_id


async def calendar_length(service: Service, bookings: int, warmup_s: float) -> StreamLengthResult:
    """Seed both calendars, warm up elsewhere, then book in the gaps on both in turn."""
    first = first_slot(days_ahead=2)
    long_id, short_id, seed_s = await seed_pair(
        service.dsn, lambda store, n: seed_calendar(store, n, first), LONG, SHORT
    )
    (warm,) = await register_vehicles(service, 1)
    conn = HttpConnection(HOST, service.port)
    samples: dict[str, list[float]] = {"long": [], "short": []}
    statuses: dict[int, int] = {}
    try:
        await warm_up(conn, warm, warmup_s)
        for i in range(bookings):
            start = first + (i % LONG) * SPACING + GAP_OFFSET + (i // LONG) * HOUR
            order = [("long", long_id), ("short", short_id)]
            for label, vehicle in order if i % 2 == 0 else order[::-1]:
                body = booking_body(str(vehicle), start, start + HOUR, str(CUSTOMER))
                began = time.perf_counter()
                status, payload = await conn.request("POST", "/v1/bookings", body)
                samples[label].append((time.perf_counter() - began) * 1e3)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 201:
                    raise RuntimeError(f"(d) booking answered {status}: {orjson.loads(payload)}")
    finally:
        await conn.close()
    return StreamLengthResult(LONG, SHORT, samples["long"], samples["short"], statuses, seed_s)
