"""Calendar blocks as rows: a command loads and writes only the blocks it can touch."""

from __future__ import annotations

import re
import uuid
from datetime import datetime, timedelta

import asyncpg
import pytest

from command_service.application.handler import CommandContext, CommandHandler
from command_service.domain import VehicleState, decide, fold
from command_service.domain import commands as cmd
from command_service.domain.errors import (
    FutureBookingsExistError,
    IdAlreadyUsedError,
    OverlappingBlockError,
)
from command_service.domain.scope import calendar_scope
from command_service.domain.state import calendar_of
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from tests.streams import META, register_vehicle

CTX = CommandContext(correlation_id="corr", causation_id="req", actor="test")
SPACING = timedelta(hours=12)  # one one-hour booking every 12 hours


@pytest.fixture
async def pool(command_dsn):
    pool = await create_pool(command_dsn, 1, 4)
    yield pool
    await pool.close()


def booking(start: datetime, hours: float = 1) -> cmd.BookVehicle:
    return cmd.BookVehicle(
        booking_id=uuid.uuid4(),
        customer_id=uuid.uuid4(),
        start=start,
        end=start + timedelta(hours=hours),
    )


async def with_future_bookings(
    store: EventStore, clock, count: int
) -> tuple[uuid.UUID, VehicleState]:
    """A vehicle with `count` one-hour bookings, the k-th starting (k+1) * 12 h from now."""
    vehicle_id, state = await register_vehicle(store, clock)
    before, events = state, []
    for k in range(count):
        new = decide(state, booking(clock.now + SPACING * (k + 1)), clock.now, uuid.uuid4)
        events += new
        state = fold(new, state)
    if events:
        await store.append(vehicle_id, before, events, state, META)
    return vehicle_id, state


async def rows_written_with_version(pool, vehicle_id: uuid.UUID, version: int) -> int:
    """Block rows last written by the transaction that appended `version` of the stream."""
    return await pool.fetchval(
        "SELECT count(*) FROM calendar_blocks b WHERE b.vehicle_id = $1 AND b.xmin::text ="
        " (SELECT transaction_id::text FROM events WHERE stream_id = $1 AND version = $2)",
        vehicle_id,
        version,
    )


async def test_a_booking_among_500_future_bookings_loads_no_block_outside_its_window(pool, clock):
    store = EventStore(pool)
    vehicle_id, _ = await with_future_bookings(store, clock, 500)
    free = booking(clock.now + SPACING * 250 + timedelta(hours=4))  # between two bookings
    loaded = await store.load(vehicle_id, calendar_scope(free, clock.now))
    assert calendar_of(loaded.state) == ()
    decision = await CommandHandler(store, clock, uuid.uuid4).on_vehicle(vehicle_id, free, CTX)
    assert [b.booking_id for b in calendar_of(decision.state)] == [free.booking_id]
    assert await rows_written_with_version(pool, vehicle_id, decision.version) == 1


async def test_a_window_loads_exactly_the_blocks_it_overlaps(pool, clock):
    store = EventStore(pool)
    vehicle_id, state = await with_future_bookings(store, clock, 500)
    across = booking(clock.now + SPACING * 100 + timedelta(minutes=30), hours=24)
    loaded = await store.load(vehicle_id, calendar_scope(across, clock.now))
    assert calendar_of(loaded.state) == state.bookings[99:102]
    with pytest.raises(OverlappingBlockError) as refused:
        await CommandHandler(store, clock, uuid.uuid4).on_vehicle(vehicle_id, across, CTX)
    assert [c.id for c in refused.value.conflicts] == [b.booking_id for b in state.bookings[99:102]]


async def test_a_block_named_by_id_and_by_window_is_loaded_once(pool, clock):
    store = EventStore(pool)
    vehicle_id, state = await with_future_bookings(store, clock, 3)
    taken = state.bookings[1]
    again = cmd.BookVehicle(taken.booking_id, taken.customer_id, taken.start, taken.end)
    loaded = await store.load(vehicle_id, calendar_scope(again, clock.now))
    assert calendar_of(loaded.state) == (taken,)


async def test_the_state_row_does_not_grow_with_the_calendar(pool, clock):
    store = EventStore(pool)
    empty, _ = await with_future_bookings(store, clock, 0)
    busy, _ = await with_future_bookings(store, clock, 500)
    size = "SELECT octet_length(state) FROM vehicle_state WHERE stream_id = $1"
    assert await pool.fetchval(size, busy) - await pool.fetchval(size, empty) <= 4  # version digits


async def test_ending_a_trip_completes_its_booking_row_and_frees_the_rest_of_the_window(
    pool, clock
):
    store = EventStore(pool)
    vehicle_id, _ = await register_vehicle(store, clock)
    handler = CommandHandler(store, clock, uuid.uuid4)
    first = booking(clock.now + timedelta(hours=1), hours=4)
    await handler.on_vehicle(vehicle_id, first, CTX)
    clock.advance(hours=1)
    trip = cmd.StartTrip(trip_id=uuid.uuid4(), booking_id=first.booking_id, odometer_km=10)
    await handler.on_entity(first.booking_id, "booking", trip, CTX)
    clock.advance(hours=1)
    await handler.on_entity(trip.trip_id, "trip", cmd.EndTrip(trip.trip_id, 20), CTX)
    status = "SELECT status FROM calendar_blocks WHERE block_id = $1"
    assert await pool.fetchval(status, first.booking_id) == "completed"
    rest = booking(clock.now + timedelta(minutes=30))
    assert (await handler.on_vehicle(vehicle_id, rest, CTX)).events


async def test_retirement_is_refused_by_a_booking_far_ahead(pool, clock):
    store = EventStore(pool)
    vehicle_id, _ = await register_vehicle(store, clock)
    handler = CommandHandler(store, clock, uuid.uuid4)
    far = booking(clock.now + timedelta(days=300))
    await handler.on_vehicle(vehicle_id, far, CTX)
    with pytest.raises(FutureBookingsExistError) as refused:
        await handler.on_vehicle(vehicle_id, cmd.RetireVehicle(reason="sold"), CTX)
    assert [c.id for c in refused.value.conflicts] == [far.booking_id]


async def test_rejects_a_booking_id_another_vehicle_already_holds(pool, clock):
    store = EventStore(pool)
    handler = CommandHandler(store, clock, uuid.uuid4)
    first, _ = await register_vehicle(store, clock)
    second, _ = await register_vehicle(store, clock)
    taken = booking(clock.now + timedelta(hours=2))
    await handler.on_vehicle(first, taken, CTX)
    with pytest.raises(IdAlreadyUsedError):
        await handler.on_vehicle(second, taken, CTX)


INSERT_ROW = """
INSERT INTO calendar_blocks
    (vehicle_id, block_id, kind, start, "end", blocks_until, status, record)
VALUES ($1, $2, $3, $4, $5, $5, $6, '\\x7b7d')
"""


async def test_the_database_refuses_an_overlapping_row_written_behind_the_applications_back(
    pool, clock
):
    store = EventStore(pool)
    vehicle_id, state = await with_future_bookings(store, clock, 3)
    first = state.bookings[0]
    inside = (first.start + timedelta(minutes=30), first.end + timedelta(minutes=30))
    for kind, status in (("booking", "confirmed"), ("maintenance", "scheduled")):
        with pytest.raises(asyncpg.ExclusionViolationError):
            await pool.execute(INSERT_ROW, vehicle_id, uuid.uuid4(), kind, *inside, status)


async def test_the_database_lets_through_what_does_not_block(pool, clock):
    store = EventStore(pool)
    vehicle_id, state = await with_future_bookings(store, clock, 3)
    other, _ = await register_vehicle(store, clock)
    window = (state.bookings[0].start, state.bookings[0].end)
    await pool.execute(INSERT_ROW, vehicle_id, uuid.uuid4(), "booking", *window, "cancelled")
    await pool.execute(INSERT_ROW, vehicle_id, uuid.uuid4(), "hold", *window, "open")
    await pool.execute(INSERT_ROW, other, uuid.uuid4(), "booking", *window, "confirmed")
    after = (state.bookings[0].end, state.bookings[0].end + timedelta(hours=1))
    await pool.execute(INSERT_ROW, vehicle_id, uuid.uuid4(), "booking", *after, "confirmed")


async def test_a_booking_costs_two_statements_its_load_and_its_append(command_dsn, clock):
    """Without a pricing policy, and with the organization's catalogue unchanged since the
    last booking, pricing costs no statement (command_service/application/pricing.py). The
    append names only the four tables a booking writes (store/append_statement.py)."""
    pool = await create_pool(command_dsn, 1, 1)  # one connection: every statement lands on it
    try:
        store = EventStore(pool)
        vehicle_id, _ = await register_vehicle(store, clock)
        handler = CommandHandler(store, clock, uuid.uuid4)
        await handler.on_vehicle(vehicle_id, booking(clock.now + timedelta(hours=2)), CTX)
        sent: list[str] = []  # from here on: the statements were prepared, types introspected
        async with pool.acquire() as conn:
            conn.add_query_logger(lambda record: sent.append(record.query))
        await handler.on_vehicle(vehicle_id, booking(clock.now + timedelta(hours=4)), CTX)
        assert len(sent) == 2, sent  # no reset query when the connection goes back
        assert "FROM vehicle_state" in sent[0] and "INSERT INTO events" in sent[1]
        written = set(re.findall(r"(?:INSERT INTO|DELETE FROM|UPDATE) (\w+)", sent[1]))
        assert written == {"events", "vehicle_state", "entity_index", "calendar_blocks"}
    finally:
        await pool.close()
