"""Scenario (c): booking latency on a 10,000-event stream versus a 10-event stream.

Both histories are written straight into the event store with the domain itself: a fake
clock walks forward an hour per step through the past, booking the next hour and now and
then cancelling, so every seeded window is over by the time the benchmark books.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import orjson

from bench.loadgen import HttpConnection, percentile
from bench.scenarios import HOUR, add_customers, booking_body, first_slot, register_vehicles
from bench.stack import HOST, Service
from command_service.domain import VehicleState, decide, fold, prune
from command_service.domain import commands as cmd
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from shared.contract.events import Event

LONG, SHORT = 10_000, 10
APPEND_BATCH = 200  # events per EventStore.append while seeding
CANCEL_EVERY = 9  # every 9th booking of the history is cancelled again
METADATA = {"correlation_id": "bench-seed", "causation_id": "bench-seed", "actor": "bench"}
CUSTOMER = uuid.UUID(int=42)
_serial = iter(range(1, 10**6))


def registration(vehicle_id: uuid.UUID) -> cmd.RegisterVehicle:
    n = next(_serial)
    return cmd.RegisterVehicle(
        vehicle_id=vehicle_id,
        vin=f"SEED{n:013d}",
        plate=f"SD-{n:06d}",
        make="Skoda",
        model="Fabia",
        year=2024,
        seats=5,
        hourly_rate_cents=1500,
        daily_rate_cents=7000,
        currency="EUR",
        odometer_km=1000,
    )


def _history(start: datetime) -> Iterator[tuple[datetime, cmd.Command]]:
    """(fake now, command): book the next hour every hour, sometimes cancel it at once."""
    step = 0
    while True:
        now = start + step * HOUR
        booking_id = uuid.uuid4()
        yield now, cmd.BookVehicle(booking_id, CUSTOMER, now + HOUR, now + 2 * HOUR)
        if step % CANCEL_EVERY == CANCEL_EVERY - 1:
            yield now, cmd.CancelBooking(booking_id, "bench history")
        step += 1


async def seed_stream(store: EventStore, events: int, start: datetime) -> uuid.UUID:
    """A vehicle whose stream holds exactly `events` events, all in the past."""
    vehicle_id = uuid.uuid4()
    pending: list[Event] = decide(None, registration(vehicle_id), start, uuid.uuid4)
    state = fold(pending)
    assert state is not None
    before: VehicleState | None = None
    for now, command in _history(start):
        if state.version >= events:
            break
        pruned = prune(state, now)
        new = decide(pruned, command, now, uuid.uuid4)
        after = fold(new, pruned)
        assert after is not None
        pending, state = pending + new, after
        if len(pending) >= APPEND_BATCH:
            await store.append(vehicle_id, before, pending, state, METADATA)
            before, pending = state, []
    if pending:
        await store.append(vehicle_id, before, pending, state, METADATA)
    return vehicle_id


@dataclass
class StreamLengthResult:
    long_events: int
    short_events: int
    long_ms: list[float]
    short_ms: list[float]
    statuses: dict[int, int]
    seed_s: float

    @property
    def ratio(self) -> float:
        return percentile(self.long_ms, 50) / percentile(self.short_ms, 50)


async def _stream_lengths(dsn: str, ids: list[uuid.UUID]) -> list[int]:
    pool = await create_pool(dsn, 1, 1)
    try:
        rows = await pool.fetch(
            "SELECT stream_id, max(version) AS v FROM events"
            " WHERE stream_id = ANY($1::uuid[]) GROUP BY stream_id",
            ids,
        )
    finally:
        await pool.close()
    found = {row["stream_id"]: row["v"] for row in rows}
    return [int(found[i]) for i in ids]


Seed = Callable[[EventStore, int], Awaitable[uuid.UUID]]


async def seed_pair(
    dsn: str, seed: Seed, long: int, short: int
) -> tuple[uuid.UUID, uuid.UUID, float]:
    """(long vehicle, short vehicle, seconds it took), each made by `seed` with its size;
    CUSTOMER, whom the measured bookings are for, gets an account."""
    await add_customers(dsn, [str(CUSTOMER)])
    started = time.perf_counter()
    pool = await create_pool(dsn, 1, 2)
    try:
        store = EventStore(pool)
        long_id, short_id = await seed(store, long), await seed(store, short)
    finally:
        await pool.close()
    return long_id, short_id, time.perf_counter() - started


async def _seed_pair(dsn: str) -> tuple[uuid.UUID, uuid.UUID, float]:
    """The two streams, with histories far in the past."""
    history_start = datetime.now(UTC) - timedelta(hours=LONG) - timedelta(days=60)
    return await seed_pair(dsn, lambda store, n: seed_stream(store, n, history_start), LONG, SHORT)


async def warm_up(conn: HttpConnection, vehicle: str, seconds: float) -> None:
    base, n = first_slot(days_ahead=2), 0
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline:
        start = base + n * HOUR
        await conn.request(
            "POST", "/v1/bookings", booking_body(vehicle, start, start + HOUR, str(CUSTOMER))
        )
        n += 1


async def stream_length(service: Service, bookings: int, warmup_s: float) -> StreamLengthResult:
    """Seed both streams, warm up elsewhere, then book on both in turn, one at a time."""
    long_id, short_id, seed_s = await _seed_pair(service.dsn)
    lengths = await _stream_lengths(service.dsn, [long_id, short_id])
    (warm,) = await register_vehicles(service, 1)
    conn = HttpConnection(HOST, service.port)
    samples: dict[str, list[float]] = {"long": [], "short": []}
    statuses: dict[int, int] = {}
    base = first_slot()
    try:
        await warm_up(conn, warm, warmup_s)
        for i in range(bookings):
            order = [("long", long_id), ("short", short_id)]
            for label, vehicle in order if i % 2 == 0 else order[::-1]:
                start = base + i * HOUR
                body = booking_body(str(vehicle), start, start + HOUR, str(CUSTOMER))
                began = time.perf_counter()
                status, payload = await conn.request("POST", "/v1/bookings", body)
                samples[label].append((time.perf_counter() - began) * 1e3)
                statuses[status] = statuses.get(status, 0) + 1
                if status != 201:
                    raise RuntimeError(f"(c) booking answered {status}: {orjson.loads(payload)}")
    finally:
        await conn.close()
    return StreamLengthResult(
        lengths[0], lengths[1], samples["long"], samples["short"], statuses, seed_s
    )
