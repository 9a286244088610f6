"""Fixtures for the publishing pipeline: the embedded broker and topic readers."""

from __future__ import annotations

import time
import uuid
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition

from deploy.broker import EmbeddedBroker
from shared.contract.kafka_record import from_record
from shared.kit.kafka_admin import ensure_topic
from tests.pipeline.stack import make_stack


@pytest.fixture(scope="session")
def broker(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EmbeddedBroker]:
    """One embedded Kafka-protocol broker for the test session."""
    broker = EmbeddedBroker(Path(tmp_path_factory.mktemp("broker")))
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
async def stack(cluster, broker: EmbeddedBroker, tmp_path: Path):  # type: ignore[no-untyped-def]
    """Both services running on fresh databases and a fresh topic (stopped after)."""
    stack = await make_stack(cluster, broker.bootstrap, tmp_path)
    stack.start_command()
    stack.start_query()
    yield stack
    stack.stop()


@pytest.fixture
async def topic(broker: EmbeddedBroker) -> str:
    name = f"test.events.{uuid.uuid4().hex[:8]}"
    await ensure_topic(broker.bootstrap, name, 4)
    return name


READ_TOPIC_WITHIN_S = 60.0


async def read_topic(bootstrap: str, topic: str) -> list[tuple[uuid.UUID, int, dict]]:
    """Every record on the topic: (stream id, stream_version, headers) in partition order."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        if not partitions:
            await consumer.stop()
            consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
            await consumer.start()
            await consumer._client.force_metadata_update()
            partitions = [
                TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []
            ]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        records = []
        deadline = time.monotonic() + READ_TOPIC_WITHIN_S
        while lagging := [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            # Bounded: a broker that never serves an offset it reported fails the test.
            assert time.monotonic() < deadline, f"unreadable up to {ends}: {lagging}"
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                for msg in batch:
                    event, _ = from_record(msg.value, list(msg.headers))
                    headers = {k: v.decode() for k, v in msg.headers}
                    records.append((event.stream_id, event.version, headers))
        return records
    finally:
        await consumer.stop()


def versions_by_vehicle(records: list[tuple[uuid.UUID, int, dict]]) -> dict[uuid.UUID, list[int]]:
    found: dict[uuid.UUID, list[int]] = defaultdict(list)
    for vehicle_id, version, _ in records:
        found[vehicle_id].append(version)
    return found
