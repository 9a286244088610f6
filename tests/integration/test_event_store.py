"""The event store in PostgreSQL: append-only, optimistic concurrency, gap-free reading."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from command_service.domain import decide, fold
from command_service.domain.scope import CalendarScope
from command_service.store import feed
from command_service.store.event_store import EventStore, StreamConflictError
from command_service.store.pool import create_pool
from command_service.sweeper import HoldSweeper
from tests.streams import META, booking_command, register_vehicle


def next_id() -> uuid.UUID:
    return uuid.uuid4()


@pytest.fixture
async def pool(command_dsn):
    pool = await create_pool(command_dsn, 1, 6)
    yield pool
    await pool.close()


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE events SET event_type = 'Tampered'",
        "DELETE FROM events",
        "TRUNCATE events",
    ],
)
async def test_the_database_refuses_to_change_or_delete_events(pool, clock, statement):
    await register_vehicle(EventStore(pool), clock)
    with pytest.raises(asyncpg.PostgresError, match="append-only"):
        await pool.execute(statement)


async def test_two_appends_at_the_same_expected_version_cannot_both_commit(pool, clock):
    store = EventStore(pool)
    vehicle_id, state = await register_vehicle(store, clock)
    results = []
    for hours in (10, 20):
        events = decide(state, booking_command(clock, hours), clock.now, next_id)
        results.append(store.append(vehicle_id, state, events, fold(events, state), META))
    outcomes = await asyncio.gather(*results, return_exceptions=True)
    assert sum(isinstance(o, StreamConflictError) for o in outcomes) == 1
    versions = await pool.fetch("SELECT version FROM events WHERE stream_id = $1", vehicle_id)
    assert sorted(r["version"] for r in versions) == [1, 2]


async def test_each_event_records_metadata_and_its_transaction_id(pool, clock):
    vehicle_id, _ = await register_vehicle(EventStore(pool), clock)
    row = await pool.fetchrow(
        "SELECT metadata, transaction_id::text AS xid FROM events WHERE stream_id = $1", vehicle_id
    )
    assert row["metadata"] == META
    assert int(row["xid"]) > 0


async def test_metadata_without_correlation_causation_and_actor_is_refused(pool):
    with pytest.raises(asyncpg.CheckViolationError):
        await pool.execute(
            "INSERT INTO events (stream_id, version, event_id, event_type, data, metadata,"
            " occurred_at) VALUES ($1, 1, $2, 'X', '{}', '{}', now())",
            uuid.uuid4(),
            uuid.uuid4(),
        )


async def test_live_calendar_holds_only_future_blocks_however_long_the_stream(pool, clock):
    store = EventStore(pool)
    vehicle_id, state = await register_vehicle(store, clock)
    for _ in range(30):  # book one hour ahead, then let the hour pass
        events = decide(state, booking_command(clock, 1), clock.now, next_id)
        after = fold(events, state)
        await store.append(vehicle_id, state, events, after, META)
        clock.advance(hours=3)
        state = (await store.load(vehicle_id, CalendarScope(live_at=clock.now))).state
    assert state.version == 31
    assert state.bookings == ()


async def test_feed_never_skips_an_event_that_commits_late_with_a_lower_position(
    pool, clock, command_dsn
):
    store = EventStore(pool)
    slow_vehicle, _slow_state = await register_vehicle(store, clock)
    others = [await register_vehicle(store, clock) for _ in range(2)]
    start = (await feed.events_after(pool, 0, 1000, None)).next_after

    slow = await asyncpg.connect(command_dsn)
    tx = slow.transaction()
    await tx.start()
    await slow.execute(  # takes a position now, commits last
        "INSERT INTO events (stream_id, version, event_id, event_type, data, metadata,"
        " occurred_at) VALUES ($1, 2, $2, 'VehicleStatusChanged', $3::jsonb, $4::jsonb, now())",
        slow_vehicle,
        uuid.uuid4(),
        '{"from_status": "available", "to_status": "inactive", "reason": "slow"}',
        '{"correlation_id": "c", "causation_id": "c", "actor": "t"}',
    )
    for vehicle_id, state in others:
        events = decide(state, booking_command(clock, 5), clock.now, next_id)
        await store.append(vehicle_id, state, events, fold(events, state), META)

    while_open = (await feed.events_after(pool, start, 1000, None)).items
    assert while_open == []  # held back behind the open transaction, not skipped
    await tx.commit()
    await slow.close()
    after_commit = (await feed.events_after(pool, start, 1000, None)).items
    assert {i["vehicle_id"] for i in after_commit} == {slow_vehicle} | {v for v, _ in others}
    slow_pos = next(i["global_position"] for i in after_commit if i["vehicle_id"] == slow_vehicle)
    assert slow_pos < max(i["global_position"] for i in after_commit)


async def test_only_one_sweeper_leads_across_replicas(pool, clock, command_dsn):
    from command_service.application.handler import CommandHandler

    handler = CommandHandler(EventStore(pool), clock, next_id)
    first = HoldSweeper(command_dsn, pool, handler, clock, 3600)
    second = HoldSweeper(command_dsn, pool, handler, clock, 3600)
    try:
        assert await first._leader.try_acquire() is True
        assert await second._leader.try_acquire() is False
        await first.stop()  # leader gone: the standby takes over
        assert await second._leader.try_acquire() is True
    finally:
        await first.stop()
        await second.stop()


async def test_commands_beyond_the_store_s_concurrency_wait_in_arrival_order(pool):
    store = EventStore(pool, concurrency=1)  # the pool has six connections
    finished: list[str] = []

    async def command(name: str, seconds: float) -> None:
        async with store.connection() as db:
            await db.execute("SELECT pg_sleep($1)", seconds)
        finished.append(name)

    await asyncio.gather(command("slow", 0.3), command("second", 0), command("third", 0))

    assert finished == ["slow", "second", "third"]
