"""Keeps the topic bounded and whole: the relay's view of what the broker still holds.

The embedded broker (Tansu, memory storage) honours no retention (`retention.ms` and
`retention.bytes` are ignored, DeleteRecords is unimplemented) and lists every stored
batch of a partition on each fetch, so its cost per event grows with the topic
(docs/broker.md). It also forgets every topic on restart, yet keeps acknowledging
records produced to a topic it no longer lists. The keeper therefore:

* before each batch, notices a topic that no longer holds the window: missing (broker
  restart), auto-created by some client's metadata request (Tansu does that, with 4
  partitions), or re-created under it (acknowledged offsets went back); it empties the
  topic (delete and create: Tansu keeps records it acknowledged for a topic it did not
  list, and they would precede the window) and has the relay republish the window;
* counts what the topic holds from the offsets the broker acknowledges and, once it
  holds `max_events`, deletes and re-creates it and has the relay republish the last
  `retain_events` — bounded retention done by rotation.

The event store is the source of truth: a republished window is read back from it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.structs import RecordMetadata

from command_service import metrics
from shared.kit.kafka_admin import ensure_topic

log = structlog.get_logger("command_service.topic_keeper")
Cursor = tuple[str, int]
LOG_START: Cursor = ("0", 0)
ROTATE_ATTEMPTS = 5  # delete-and-create rounds lost to a client's auto-creation

# The (transaction_id, global_position) before the last `retain` events up to the
# checkpoint, in relay order; no row means the window reaches the start of the log.
_WINDOW_START = """
SELECT transaction_id::text AS xid, global_position FROM events
WHERE (transaction_id, global_position) <= ($1::text::xid8, $2)
ORDER BY transaction_id DESC, global_position DESC OFFSET $3 LIMIT 1
"""


@dataclass(frozen=True)
class Retention:
    """How much of the log the topic keeps (0 for `max_events`: the broker's own rules)."""

    # The broker's CPU per event grows with the topic (docs/broker.md): a window of 2,500
    # to 10,000 events halved it against 10,000 to 30,000, and republishes a third, not a
    # half, of what it publishes anew.
    retain_events: int = 2_500
    max_events: int = 10_000

    def __post_init__(self) -> None:
        if self.retain_events < 0 or (0 < self.max_events <= self.retain_events):
            raise ValueError("FLEET_KAFKA_MAX_EVENTS must be 0 or above FLEET_KAFKA_RETAIN_EVENTS")


def precedes(a: Cursor, b: Cursor) -> bool:
    """True when cursor `a` is at or before cursor `b` in relay order."""
    return (int(a[0]), a[1]) <= (int(b[0]), b[1])


async def window_start(conn: asyncpg.Connection, checkpoint: Cursor, retain: int) -> Cursor:
    """Where to republish from so that the last `retain` published events are on the topic."""
    row = await conn.fetchrow(_WINDOW_START, checkpoint[0], checkpoint[1], retain)
    return (row["xid"], row["global_position"]) if row else LOG_START


class TopicKeeper:
    """Detects a lost, foreign or full topic and repairs it; the relay then republishes."""

    def __init__(self, bootstrap: str, topic: str, partitions: int, retention: Retention) -> None:
        self._bootstrap, self._topic, self._partitions = bootstrap, topic, partitions
        self.retention = retention
        self._ends: dict[int, int] = {}
        self._regressed = False

    @property
    def held(self) -> int:
        """Records on the topic, as far as the broker's acknowledgements tell."""
        return sum(self._ends.values())

    async def ensure(self) -> bool:
        """Create the topic if missing (True when it had to be); counting starts afresh,
        since another leader may have rotated the topic in the meantime."""
        self._ends.clear()
        self._regressed = False
        return await ensure_topic(self._bootstrap, self._topic, self._partitions)

    async def prepare(self) -> str | None:
        """As a new leader: "topic_created" (and emptied) when the topic was missing."""
        if not await self.ensure():
            return None
        await self.rotate()  # records Tansu acknowledged while it did not list the topic
        return "topic_created"

    async def repair(self, producer: AIOKafkaProducer) -> str | None:
        """Why the topic no longer holds the retained window (after emptying it), or None."""
        reason = await self._diagnose(producer)
        if reason is not None:
            await self.rotate()
        return reason

    async def _diagnose(self, producer: AIOKafkaProducer) -> str | None:
        # All-topics metadata: naming the topic would make Tansu auto-create it.
        partitions = (await producer.client.fetch_all_metadata()).partitions_for_topic(self._topic)
        if not partitions:
            return "topic_missing"  # a broker restart, or deleted by someone
        if len(partitions) != self._partitions:
            return "topic_auto_created"  # a client's metadata request re-created it (4)
        if self._regressed:
            return "offsets_went_back"  # re-created under us with the same partition count
        if 0 < self.retention.max_events <= self.held:
            return "topic_full"
        return None

    def acknowledged(self, acks: list[RecordMetadata]) -> None:
        """Track each partition's end offset from the broker's acknowledgements."""
        for ack in acks:
            end = self._ends.get(ack.partition, 0)
            self._regressed |= ack.offset < end - 1  # within one topic offsets only grow
            self._ends[ack.partition] = max(end, ack.offset + 1)

    async def rotate(self) -> None:
        """Create the topic if missing, delete it, create it again: the only way to drop
        records from Tansu, stray ones it acknowledged for a topic it did not list included
        (they would otherwise precede the republished window).

        A consumer that asks for the topic between delete and create makes Tansu
        auto-create it with 4 partitions: then delete and create again, here, rather than
        republish the window for each lost race."""
        held = self.held
        await ensure_topic(self._bootstrap, self._topic, self._partitions)
        admin = AIOKafkaAdminClient(bootstrap_servers=self._bootstrap, request_timeout_ms=10000)
        await admin.start()
        try:
            for _ in range(ROTATE_ATTEMPTS):
                await admin.delete_topics([self._topic])
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics([NewTopic(self._topic, self._partitions, 1)])
                if await self._partition_count(admin) == self._partitions:
                    break
        finally:
            await admin.close()
        await self.ensure()
        metrics.RELAY_TOPIC_ROTATIONS.inc()
        log.info("topic_rotated", topic=self._topic, held=held)

    async def _partition_count(self, admin: AIOKafkaAdminClient) -> int:
        described = await admin.describe_topics()  # all topics: never auto-creates
        counts = [len(t["partitions"]) for t in described if t["topic"] == self._topic]
        return counts[0] if counts else 0
