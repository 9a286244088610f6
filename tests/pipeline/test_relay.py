"""The relay against the real PostgreSQL and broker: gap-free, ordered, at-least-once."""

from __future__ import annotations

import asyncio
import uuid

import asyncpg
import pytest

from command_service.relay import Relay
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from tests.pipeline.conftest import read_topic, versions_by_vehicle
from tests.streams import append_booking, register_vehicle
from tests.waiting import until

pytestmark = pytest.mark.pipeline


@pytest.fixture
async def pool(command_dsn):
    pool = await create_pool(command_dsn, 1, 6)
    yield pool
    await pool.close()


@pytest.fixture
async def reset_checkpoint(pool):
    """Each test publishes to its own topic: start the relay cursor at the log's end."""
    await pool.execute(
        "UPDATE relay_checkpoint SET (transaction_id, global_position) ="
        " (SELECT coalesce(max(transaction_id), '0'), coalesce(max(global_position), 0)"
        "  FROM events)"
    )


def relay_for(command_dsn, pool, broker, topic, **kwargs) -> Relay:
    return Relay(command_dsn, pool, broker.bootstrap, topic, 4, poll_interval_s=0.2, **kwargs)


async def drain(relay: Relay) -> int:
    await relay._leader.try_acquire()
    await relay._prepare()
    return await relay.drain()


async def test_a_late_committing_lower_position_is_published_not_skipped(
    pool, clock, broker, topic, command_dsn, reset_checkpoint
):
    store = EventStore(pool)
    slow_vehicle, _ = await register_vehicle(store, clock)
    others = [await register_vehicle(store, clock) for _ in range(3)]
    relay = relay_for(command_dsn, pool, broker, topic)
    try:
        await drain(relay)
        slow = await asyncpg.connect(command_dsn)
        tx = slow.transaction()
        await tx.start()
        await slow.execute(  # position taken now; the transaction commits last
            "INSERT INTO events (stream_id, version, event_id, event_type, data, metadata,"
            " occurred_at) VALUES ($1, 2, $2, 'VehicleStatusChanged', $3::jsonb, $4::jsonb,"
            " now())",
            slow_vehicle,
            uuid.uuid4(),
            '{"from_status": "available", "to_status": "inactive", "reason": "slow"}',
            '{"correlation_id": "c", "causation_id": "c", "actor": "t"}',
        )
        for vehicle_id, state in others:
            state = await append_booking(store, clock, vehicle_id, state, 5)
            await append_booking(store, clock, vehicle_id, state, 9)
        assert await relay.drain() == 0  # held back behind the open transaction
        await tx.commit()
        await slow.close()
        assert await relay.drain() == 7
    finally:
        await relay.stop()
    versions = versions_by_vehicle(await read_topic(broker.bootstrap, topic))
    assert versions[slow_vehicle] == [1, 2]
    for vehicle_id, _ in others:
        assert versions[vehicle_id] == [1, 2, 3]


async def test_records_follow_the_kafka_contract(
    pool, clock, broker, topic, command_dsn, reset_checkpoint
):
    vehicle_id, _ = await register_vehicle(EventStore(pool), clock)
    relay = relay_for(command_dsn, pool, broker, topic)
    try:
        await drain(relay)
    finally:
        await relay.stop()
    [(vid, version, headers)] = await read_topic(broker.bootstrap, topic)
    assert (vid, version) == (vehicle_id, 1)
    assert headers["ce_specversion"] == "1.0"
    assert headers["ce_type"] == "fleetledger.vehicle.VehicleRegistered"
    assert headers["ce_subject"] == str(vehicle_id)
    assert headers["content-type"] == "application/json"
    assert headers["stream_version"] == "1"
    assert int(headers["global_position"]) > 0
    assert headers["traceparent"].startswith("00-") and len(headers["traceparent"]) == 55


async def test_a_crash_between_publish_and_checkpoint_republishes_never_loses(
    pool, clock, broker, topic, command_dsn, reset_checkpoint
):
    store = EventStore(pool)
    vehicles = [await register_vehicle(store, clock) for _ in range(5)]

    async def crash(_rows):
        raise RuntimeError("killed between publish and checkpoint")

    crashing = relay_for(command_dsn, pool, broker, topic, before_checkpoint=crash)
    with pytest.raises(RuntimeError):
        await drain(crashing)
    await crashing.stop()
    survivor = relay_for(command_dsn, pool, broker, topic)
    try:
        assert await drain(survivor) == 5  # the checkpoint never moved
    finally:
        await survivor.stop()
    versions = versions_by_vehicle(await read_topic(broker.bootstrap, topic))
    assert {v: versions[v] for v, _ in vehicles} == {v: [1, 1] for v, _ in vehicles}


async def test_a_standby_relay_takes_over_when_the_leader_dies(
    pool, clock, broker, topic, command_dsn, reset_checkpoint
):
    store = EventStore(pool)
    leader = relay_for(command_dsn, pool, broker, topic)
    standby = relay_for(command_dsn, pool, broker, topic)
    leader.start()
    await asyncio.sleep(0.5)
    standby.start()
    # Bounded as a whole: a stuck await fails here with its own traceback.
    async with asyncio.timeout(120):
        try:
            first, _ = await register_vehicle(store, clock)
            await until(lambda: leader.is_leader and not standby.is_leader, timeout_s=5)
            await leader.stop()  # the leader dies
            second, _ = await register_vehicle(store, clock)
            await until(lambda: standby.is_leader, timeout_s=5)
            await _until_published(broker, topic, {first, second})
        finally:
            await leader.stop()
            await standby.stop()


async def _until_published(broker, topic, vehicles: set, within_s: float = 10.0) -> None:
    for _ in range(int(within_s / 0.25)):
        seen = {v for v, _, _ in await read_topic(broker.bootstrap, topic)}
        if vehicles <= seen:
            return
        await asyncio.sleep(0.25)
    raise AssertionError("events were not published by the standby")
