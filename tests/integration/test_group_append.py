"""Appends of concurrent commands go together in one statement (store/group_append.py),
and each still gets the answer it would have had alone."""

from __future__ import annotations

import asyncio
import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from command_service.domain import VehicleState, decide, fold
from command_service.domain.errors import IdAlreadyUsedError
from command_service.store.event_store import EventStore, StreamConflictError
from command_service.store.pool import create_pool
from tests.streams import META, append_booking, booking_command, register_vehicle

Job = tuple[uuid.UUID, VehicleState, list[Any], VehicleState]


@pytest.fixture
async def pool(command_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    pool = await create_pool(command_dsn, 1, 8)
    yield pool
    await pool.close()


def booking_job(clock: Any, vehicle: tuple[uuid.UUID, VehicleState], hours: int = 5) -> Job:
    vehicle_id, state = vehicle
    events = decide(state, booking_command(clock, hours), clock.now, uuid.uuid4)
    after = fold(events, state)
    assert after is not None
    return vehicle_id, state, events, after


async def append_together(
    store: EventStore, pool: asyncpg.Pool, jobs: list[Job]
) -> tuple[list[Any], list[list[uuid.UUID]]]:
    """Each job appended on a connection of its own, all started at once: their outcomes,
    and the streams of each append statement sent, in order."""
    conns = [await pool.acquire() for _ in jobs]  # before any append starts
    statements: list[list[uuid.UUID]] = []

    def seen(record: Any) -> None:
        if "INSERT INTO events" in record.query:
            statements.append(list(dict.fromkeys(record.args[0])))  # the events' streams

    try:
        for conn in conns:
            conn.add_query_logger(seen)
        outcomes = await asyncio.gather(
            *(
                store.append(vehicle_id, before, events, after, META, db=conn)
                for (vehicle_id, before, events, after), conn in zip(jobs, conns, strict=True)
            ),
            return_exceptions=True,
        )
    finally:
        for conn in conns:
            conn.remove_query_logger(seen)
            await pool.release(conn)
    return outcomes, statements


async def last_position(pool: asyncpg.Pool, vehicle_id: uuid.UUID) -> Any:
    return await pool.fetchval(
        "SELECT max(global_position) FROM events WHERE stream_id = $1", vehicle_id
    )


async def test_appends_that_wait_for_the_one_in_flight_go_in_one_statement(pool, clock):
    store = EventStore(pool)
    vehicles = [await register_vehicle(store, clock) for _ in range(5)]
    jobs = [booking_job(clock, vehicle) for vehicle in vehicles]
    outcomes, statements = await append_together(store, pool, jobs)
    ids = [vehicle_id for vehicle_id, _ in vehicles]
    assert statements == [ids[:1], ids[1:]]  # the first alone; the others waited for it
    for (vehicle_id, _, events, _), position in zip(jobs, outcomes, strict=True):
        assert position == await last_position(pool, vehicle_id)  # each its own position
        stored = await pool.fetch(
            "SELECT event_id FROM events WHERE stream_id = $1 AND version > 1", vehicle_id
        )
        assert [r["event_id"] for r in stored] == [e.event_id for e in events]
    versions = await pool.fetch(
        "SELECT version FROM vehicle_state WHERE stream_id = ANY($1::uuid[])", ids
    )
    assert [r["version"] for r in versions] == [2] * 5


async def test_a_lost_version_race_in_a_group_is_refused_to_its_own_append(pool, clock):
    store = EventStore(pool)
    vehicles = [await register_vehicle(store, clock) for _ in range(4)]
    stale = vehicles[2]
    await append_booking(store, clock, stale[0], stale[1], 40)  # another writer got in first
    outcomes, statements = await append_together(
        store, pool, [booking_job(clock, vehicle) for vehicle in vehicles]
    )
    assert isinstance(outcomes[2], StreamConflictError)
    assert all(isinstance(o, int) for i, o in enumerate(outcomes) if i != 2)
    assert len(statements) == 5  # the first; the group of three, refused; each of them alone
    counts = await pool.fetch(
        "SELECT stream_id, count(*) AS n FROM events WHERE stream_id = ANY($1::uuid[])"
        " GROUP BY stream_id",
        [vehicle_id for vehicle_id, _ in vehicles],
    )
    assert {r["stream_id"]: r["n"] for r in counts} == {v[0]: 2 for v in vehicles}


async def test_an_id_already_taken_in_a_group_is_refused_to_its_own_append(pool, clock):
    store = EventStore(pool)
    vehicles = [await register_vehicle(store, clock) for _ in range(4)]
    jobs = [booking_job(clock, vehicle) for vehicle in vehicles]
    taken = jobs[1][2][0].booking_id
    vehicle_id, state = vehicles[3]
    command = dataclasses.replace(booking_command(clock, 7), booking_id=taken)
    events = decide(state, command, clock.now, uuid.uuid4)
    jobs[3] = (vehicle_id, state, events, fold(events, state))  # type: ignore[assignment]
    outcomes, _ = await append_together(store, pool, jobs)
    assert isinstance(outcomes[3], IdAlreadyUsedError)
    assert [isinstance(o, int) for o in outcomes] == [True, True, True, False]
    assert (
        await pool.fetchval("SELECT stream_id FROM entity_index WHERE entity_id = $1", taken)
        == vehicles[1][0]
    )


async def test_two_appends_on_one_stream_never_share_a_statement(pool, clock):
    store = EventStore(pool)
    vehicles = [await register_vehicle(store, clock) for _ in range(2)]
    first = booking_job(clock, vehicles[0], 5)
    second = booking_job(clock, (vehicles[0][0], first[3]), 9)  # on top of the first
    other = booking_job(clock, vehicles[1])
    outcomes, statements = await append_together(store, pool, [other, first, second])
    assert statements == [[vehicles[1][0]], [vehicles[0][0]], [vehicles[0][0]]]
    assert all(isinstance(o, int) for o in outcomes) and outcomes[1] < outcomes[2]
    versions = await pool.fetch(
        "SELECT version FROM events WHERE stream_id = $1 ORDER BY global_position",
        vehicles[0][0],
    )
    assert [r["version"] for r in versions] == [1, 2, 3]
