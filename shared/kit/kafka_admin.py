"""Topic administration used by the launcher, the relay and the tests."""

from __future__ import annotations

import structlog
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError

log = structlog.get_logger("fleet.kafka")


async def ensure_topic(bootstrap: str, topic: str, partitions: int) -> bool:
    """Create `topic` if missing; True when this call created it."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        if topic in await admin.list_topics():
            return False
        try:
            await admin.create_topics(
                [NewTopic(topic, num_partitions=partitions, replication_factor=1)]
            )
        except TopicAlreadyExistsError:
            return False
        log.info("topic_created", topic=topic, partitions=partitions)
        return True
    finally:
        await admin.close()
