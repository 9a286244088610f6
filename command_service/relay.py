"""The relay: publishes every committed event to Kafka, per-vehicle in order, never skipping.

Why it cannot skip (DESIGN §3a): it reads only rows whose transaction is older than
every transaction still running (`transaction_id < pg_snapshot_xmin(...)`), in
(transaction_id, global_position) order. A transaction that took a low position but
commits late has a transaction id above that horizon until it commits, so it is read
after — never behind — the cursor. Holes left by rolled-back appends cost nothing.
Per vehicle, a later version can only be appended after the earlier one committed, so
its transaction id is larger: relay order keeps every stream's versions ascending.

One relay leads across replicas (advisory lock). The checkpoint is written through the
leader's own connection and only after the broker acknowledged (acks=all) the batch,
so a crash between publish and checkpoint republishes (at-least-once) and a replica
that lost the lock cannot move the checkpoint.

The topic is a bounded window of the log, not the log (command_service/topic_keeper.py):
when the broker lost it, or once it holds its maximum, the relay re-creates it and
republishes the retained window from the event store, then carries on from the
checkpoint. Republished batches never move the checkpoint.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from command_service import metrics
from command_service.leadership import RELAY_LOCK, LeaderLock
from command_service.store import feed
from command_service.topic_keeper import Cursor, Retention, TopicKeeper, precedes, window_start
from shared.kit.outages import describe, unexpected

log = structlog.get_logger("command_service.relay")
WAKE_CHANNEL = "fleet_events"
BeforeCheckpoint = Callable[[list[Any]], Awaitable[None]]

_LAG = """
SELECT count(*) AS events, extract(epoch FROM clock_timestamp() - min(recorded_at)) AS age
FROM (SELECT recorded_at FROM events
      WHERE (transaction_id, global_position) > ($1::text::xid8, $2) LIMIT 100000) AS pending
"""
_HORIZON_AGE = """
SELECT coalesce(extract(epoch FROM max(clock_timestamp() - xact_start)), 0)
FROM pg_stat_activity WHERE backend_xid IS NOT NULL AND pid <> pg_backend_pid()
"""


class Relay:
    """Leader-elected, LISTEN-woken, polling-backed publisher of the event store."""

    def __init__(
        self,
        dsn: str,
        pool: asyncpg.Pool,
        bootstrap: str,
        topic: str,
        partitions: int,
        batch_size: int = 1000,
        poll_interval_s: float = 1.0,
        before_checkpoint: BeforeCheckpoint | None = None,
        retention: Retention | None = None,
    ) -> None:
        self._pool, self._bootstrap, self._topic = pool, bootstrap, topic
        self._batch, self._poll = batch_size, poll_interval_s
        self._keeper = TopicKeeper(bootstrap, topic, partitions, retention or Retention())
        self._before_checkpoint = before_checkpoint
        self._leader = LeaderLock(dsn, RELAY_LOCK, "relay")
        self._producer: AIOKafkaProducer | None = None
        self._wake = asyncio.Event()
        self._cursor: Cursor | None = None
        self._checkpoint_at: Cursor | None = None  # stored checkpoint; replays stay below it
        self._task: asyncio.Task[None] | None = None
        self.last_error: str | None = None
        self.last_success = 0.0

    @property
    def is_leader(self) -> bool:
        return self._leader.is_leader

    def start(self) -> None:
        self._task = asyncio.create_task(self._loop(), name="relay")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._step_down()

    async def _loop(self) -> None:
        while True:
            try:
                if not await self._leader.try_acquire():
                    await asyncio.sleep(self._poll)
                    continue
                await self._prepare()
                await self.drain()
                await self._sleep_until_woken()
            except Exception as exc:  # never ends: see shared/kit/outages.py
                await self._failed(exc)

    async def _prepare(self) -> None:
        """As a new leader: checkpoint, producer, topic and wake-up listener."""
        if self._producer is not None:
            return
        metrics.RELAY_LEADER.set(1)
        reason = await self._keeper.prepare()
        producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            acks="all",
            enable_idempotence=False,
            linger_ms=2,
            max_batch_size=512 * 1024,
            request_timeout_ms=10000,
            client_id="fleet-relay",
        )
        await producer.start()
        self._producer = producer
        conn = self._leader_conn()
        await conn.add_listener(WAKE_CHANNEL, lambda *_: self._wake.set())
        row = await conn.fetchrow(
            "SELECT transaction_id::text AS xid, global_position FROM relay_checkpoint"
            " WHERE name = 'kafka'"
        )
        self._cursor = self._checkpoint_at = (row["xid"], row["global_position"])
        log.info("relay_started", checkpoint=self._cursor, topic=self._topic)
        if reason is not None:
            await self._republish_window(reason)

    async def _keep_topic(self) -> None:
        """Repair a lost, foreign or full topic and rewind to the retained window.

        Checked before every batch: Tansu acknowledges records sent to a topic it lost in
        a restart, and they would then precede the republished window."""
        assert self._producer is not None
        reason = await self._keeper.repair(self._producer)
        if reason is not None:
            # Tansu acknowledges records for partitions that do not exist: the producer
            # must partition by the new topic, not by the one it cached
            await self._producer.client.force_metadata_update()
            await self._republish_window(reason)

    async def _republish_window(self, reason: str) -> None:
        """Rewind the cursor so that drain() republishes the retained window first."""
        assert self._checkpoint_at is not None
        retain = self._keeper.retention.retain_events
        self._cursor = await window_start(self._leader_conn(), self._checkpoint_at, retain)
        log.warning("relay_republishing_window", reason=reason, start=self._cursor,
                    checkpoint=self._checkpoint_at, retain=retain)  # fmt: skip

    def _leader_conn(self) -> asyncpg.Connection:
        conn = self._leader.connection
        assert conn is not None
        return conn

    async def drain(self) -> int:
        """Publish everything publishable now; returns how many events were published."""
        total = 0
        while True:
            await self._keep_topic()
            assert self._cursor is not None
            rows = await feed.rows_after(self._pool, *self._cursor, self._batch)
            if not rows:
                break
            await self._publish(rows)
            if self._before_checkpoint is not None:
                await self._before_checkpoint(rows)
            await self._checkpoint(rows)
            total += len(rows)
        await self._observe_lag()
        self.last_error, self.last_success = None, time.monotonic()
        return total

    async def _publish(self, rows: list[Any]) -> None:
        assert self._producer is not None
        acks = []
        for row in rows:
            record = feed.stored_record(row)
            acks.append(
                await self._producer.send(
                    self._topic, record.value, key=record.key, headers=record.headers
                )
            )
        # every record acknowledged (acks=all) before checkpoint
        self._keeper.acknowledged(await asyncio.gather(*acks))

    async def _checkpoint(self, rows: list[Any]) -> None:
        last = rows[-1]
        cursor = (last["xid"], last["global_position"])
        assert self._checkpoint_at is not None
        metrics.RELAY_PUBLISHED.inc(len(rows))
        checkpoint = self._checkpoint_at
        metrics.RELAY_REPUBLISHED.inc(
            sum(precedes((r["xid"], r["global_position"]), checkpoint) for r in rows)
        )
        if precedes(cursor, checkpoint):  # a republished window: already checkpointed
            self._cursor = cursor
            return
        await self._store_checkpoint(rows)
        self._cursor = self._checkpoint_at = cursor

    async def _store_checkpoint(self, rows: list[Any]) -> None:
        last = rows[-1]
        status = await self._leader_conn().execute(
            "UPDATE relay_checkpoint SET transaction_id = $1::text::xid8, global_position = $2,"
            " published_total = published_total + $3, updated_at = clock_timestamp()"
            " WHERE name = 'kafka' AND (transaction_id, global_position) < ($1::text::xid8, $2)",
            last["xid"],
            last["global_position"],
            len(rows),
        )
        if status != "UPDATE 1":
            raise asyncpg.InterfaceError("relay checkpoint moved by someone else")
        log.debug("relay_published", count=len(rows), position=last["global_position"])

    async def _observe_lag(self) -> None:
        assert self._cursor is not None
        lag = await self._pool.fetchrow(_LAG, *self._cursor)
        metrics.RELAY_LAG_EVENTS.set(lag["events"])
        metrics.RELAY_LAG_SECONDS.set(float(lag["age"] or 0))
        metrics.RELAY_HORIZON_AGE.set(float(await self._pool.fetchval(_HORIZON_AGE)))

    async def _sleep_until_woken(self) -> None:
        # asyncio.timeout, not wait_for: on 3.11 wait_for returns normally when a NOTIFY
        # wakes it in the very iteration stop() cancels it; the loop then ran for ever.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._poll):
                await self._wake.wait()
        self._wake.clear()

    async def _failed(self, exc: BaseException) -> None:
        metrics.RELAY_ERRORS.inc()
        self.last_error = describe(exc)
        log.warning("relay_error", error=self.last_error, exc_info=unexpected(exc))
        await self._step_down()
        await asyncio.sleep(self._poll)

    async def _step_down(self) -> None:
        """Drop producer and leadership; the next loop starts clean from the checkpoint."""
        producer, self._producer, self._cursor = self._producer, None, None
        self._checkpoint_at = None
        if producer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await producer.stop()
        await self._leader.release()
        metrics.RELAY_LEADER.set(0)

    def status(self) -> dict[str, Any]:
        """Readiness view: leader, last error, seconds since the last successful drain."""
        since = time.monotonic() - self.last_success if self.last_success else None
        return {
            "leader": self.is_leader,
            "last_error": self.last_error,
            "seconds_since_success": since,
        }
