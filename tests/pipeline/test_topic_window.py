"""The topic as a bounded window of the log: back after a broker restart, never unbounded.

Real PostgreSQL and a real embedded broker of each test's own (restarting it would
empty the session broker for every other test).
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient

from command_service.relay import Relay
from command_service.store.event_store import EventStore
from command_service.store.pool import create_pool
from command_service.topic_keeper import Retention
from deploy.broker import EmbeddedBroker
from shared.contract.kafka_record import from_record
from shared.kit.kafka_admin import ensure_topic
from tests.streams import register_vehicle

pytestmark = pytest.mark.pipeline


@pytest.fixture
async def own_broker(tmp_path) -> AsyncIterator[EmbeddedBroker]:
    broker = EmbeddedBroker(tmp_path / "broker")
    broker.start()
    yield broker
    broker.stop()


@pytest.fixture
async def pool(command_dsn):
    pool = await create_pool(command_dsn, 1, 6)
    # each test publishes to a new broker: start the relay cursor at the log's end
    await pool.execute(
        "UPDATE relay_checkpoint SET (transaction_id, global_position) ="
        " (SELECT coalesce(max(transaction_id), '0'), coalesce(max(global_position), 0)"
        "  FROM events)"
    )
    yield pool
    await pool.close()


async def read_as_new_group(bootstrap: str, topic: str) -> list[uuid.UUID]:
    """Vehicle ids of every record a brand-new consumer group reads (until 2 s of quiet).

    Not bounded by end offsets: Tansu answers ListOffsets(latest) with the newest
    batch's base offset + 1, short of the end when that batch holds several records."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"fresh-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    seen: list[uuid.UUID] = []
    try:
        quiet_polls = 0
        while quiet_polls < 4 or not seen:
            batches = await consumer.getmany(timeout_ms=500)
            quiet_polls = 0 if batches else quiet_polls + 1
            for batch in batches.values():
                seen += [from_record(r.value, list(r.headers))[0].vehicle_id for r in batch]
    finally:
        await consumer.stop()
    return seen


async def until(predicate, within_s: float = 15.0) -> None:
    for _ in range(int(within_s / 0.2)):
        if await predicate():
            return
        await asyncio.sleep(0.2)
    raise AssertionError("condition not reached in time")


async def test_a_broker_restart_brings_the_retained_window_back_for_a_fresh_group(
    pool, clock, own_broker, command_dsn
):
    store = EventStore(pool)
    older = [(await register_vehicle(store, clock))[0] for _ in range(4)]
    window = [(await register_vehicle(store, clock))[0] for _ in range(6)]
    topic = "fleet.window"
    relay = relay_for(command_dsn, pool, own_broker, topic)
    relay.start()
    try:
        await until(lambda: _listed(own_broker, topic))
        assert len(await read_as_new_group(own_broker.bootstrap, topic)) == 10
        await asyncio.to_thread(own_broker.restart)  # memory storage: the topic is gone
        later = (await register_vehicle(store, clock))[0]
        await until(lambda: _listed(own_broker, topic))
        seen = await read_as_new_group(own_broker.bootstrap, topic)
    finally:
        await relay.stop()
    assert sorted(map(str, seen)) == sorted(map(str, [*window, later]))
    assert not set(older) & set(seen)  # the window is the last `retain_events`, not the log


async def test_a_topic_auto_created_by_a_client_after_a_restart_is_replaced(
    pool, clock, own_broker, command_dsn
):
    store = EventStore(pool)
    window = [(await register_vehicle(store, clock))[0] for _ in range(6)]
    topic = "fleet.auto"
    first = relay_for(command_dsn, pool, own_broker, topic)
    first.start()
    await until(lambda: _listed(own_broker, topic))
    assert set(window) <= set(await read_as_new_group(own_broker.bootstrap, topic))
    await first.stop()
    await asyncio.to_thread(own_broker.restart)
    stranger = AIOKafkaProducer(bootstrap_servers=own_broker.bootstrap)
    await stranger.start()
    try:  # naming the topic in a metadata request makes Tansu create it, with 4 partitions
        await stranger.send_and_wait(topic, b"not an event")
    finally:
        await stranger.stop()
    later = (await register_vehicle(store, clock))[0]
    second = relay_for(command_dsn, pool, own_broker, topic)
    second.start()
    try:
        await until(lambda: _listed(own_broker, topic))
        seen = await read_as_new_group(own_broker.bootstrap, topic)
    finally:
        await second.stop()
    assert sorted(map(str, seen)) == sorted(map(str, [*window, later]))


async def test_the_topic_never_holds_more_than_its_maximum_plus_one_batch(
    pool, clock, own_broker, command_dsn
):
    store = EventStore(pool)
    vehicles = [(await register_vehicle(store, clock))[0] for _ in range(60)]
    topic = "fleet.bounded"
    await ensure_topic(own_broker.bootstrap, topic, 4)
    relay = Relay(command_dsn, pool, own_broker.bootstrap, topic, 4, batch_size=5,
                  retention=Retention(retain_events=10, max_events=25))  # fmt: skip
    try:
        await relay._leader.try_acquire()
        await relay._prepare()
        assert await relay.drain() >= 60
    finally:
        await relay.stop()
    on_topic = await read_as_new_group(own_broker.bootstrap, topic)
    assert 10 <= len(on_topic) <= 25 + 5
    assert set(vehicles[-10:]) <= set(on_topic)  # the newest events are always kept
    assert len(set(on_topic)) == len(on_topic)  # each once: a window, not the log replayed


def relay_for(command_dsn: str, pool, broker: EmbeddedBroker, topic: str) -> Relay:
    """3 partitions: Tansu auto-creates topics with 4, so the relay can tell them apart."""
    return Relay(command_dsn, pool, broker.bootstrap, topic, 3, poll_interval_s=0.2,
                 retention=Retention(retain_events=6, max_events=0))  # fmt: skip


async def _listed(broker: EmbeddedBroker, topic: str, partitions: int = 3) -> bool:
    """True once `topic` exists with `partitions` partitions."""
    admin = AIOKafkaAdminClient(bootstrap_servers=broker.bootstrap)
    await admin.start()
    try:  # all-topics metadata: never auto-creates the topic
        listed = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics()}
    finally:
        await admin.close()
    return listed.get(topic) == partitions
