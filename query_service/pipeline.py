"""Kafka → read models: consumer group `fleet-query`, offsets committed after the DB.

One poll is one page: its records go through the page applier in one read-model
transaction (query_service/applier.py). The group's offsets are committed only once the
page is committed in PostgreSQL, so a crash replays records (deduplicated by version),
never skips them. Events held back by a gap are applied after the gap is healed from the
command service's feed, before the offsets move.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

import httpx
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener
from aiokafka.errors import CommitFailedError, KafkaError

from query_service import metrics
from query_service.applier import PageApplier, PageResult, StreamRef
from query_service.feed_client import CommandFeed
from query_service.healer import Healer
from query_service.settings import Settings
from query_service.store.schemas import ReadModelDatabase, connect
from shared.contract.events import StreamEvent
from shared.contract.kafka_record import ContractError, from_record
from shared.kit.clock import system_clock
from shared.kit.outages import describe, unexpected

log = structlog.get_logger("query_service.pipeline")
# Read models are derivable: after a crash the feed healer re-applies what a lost
# asynchronous commit dropped, so projections need not wait for the WAL flush.
_PROJECTION_SETTINGS = "SET synchronous_commit TO off"


class ProjectionPipeline:
    """The consumer loop and the feed healer, each on its own connection."""

    def __init__(self, settings: Settings, read_db: ReadModelDatabase) -> None:
        self._settings, self._read_db = settings, read_db
        self._feed = CommandFeed(settings.command_url, settings.service_credentials())
        self._healer = Healer(self._feed, settings.heal_grace_s)
        self._consumer: AIOKafkaConsumer | None = None
        self._appliers: dict[str, tuple[str, PageApplier]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.open_gaps: dict[StreamRef, int] = {}
        self.reread = False  # after an error or a forgotten group: reassigned from offset 0
        self.lag = 0
        self.last_error: str | None = None
        self.last_applied_at: float | None = None

    async def start(self) -> None:
        if self._settings.service_credentials() is None:
            # The topic still flows, but gaps cannot heal: the feed needs a signed-in reader.
            log.warning("no_service_account", hint="set FLEET_SERVICE_ACCOUNT_EMAIL/_PASSWORD")
        self._tasks = [
            asyncio.create_task(self._consume_forever(), name="consumer"),
            asyncio.create_task(self._heal_forever(), name="healer"),
        ]

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self._stop_consumer()
        for _, applier in self._appliers.values():
            await applier.conn.close()
        await self._feed.close()

    async def _applier(self, role: str) -> PageApplier:
        """An applier on a connection bound to the active generation (rebound after a
        rebuild swap)."""
        schema = self._read_db.active_schema
        current = self._appliers.get(role)
        if current is not None and current[0] == schema and not current[1].conn.is_closed():
            return current[1]
        if current is not None:
            await current[1].conn.close()
        conn = await connect(self._read_db.dsn, schema)
        await conn.execute(_PROJECTION_SETTINGS)
        applier = await PageApplier.create(conn)
        self._appliers[role] = (schema, applier)
        return applier

    async def _consume_forever(self) -> None:
        while True:
            try:
                await self._start_consumer()
                await self.consume_batch()
            except Exception as exc:  # never ends: see shared/kit/outages.py
                self.last_error = describe(exc)
                log.warning("consumer_error", error=self.last_error, exc_info=unexpected(exc))
                # Its committed offsets may belong to a topic the broker has since lost:
                # the next consumer rereads the (bounded) retained window instead.
                self.reread = self._settings.reread_after_error
                await self._stop_consumer()
                self._drop_applier("consumer")
                await asyncio.sleep(1)

    def _drop_applier(self, role: str) -> None:
        """Forget an applier whose connection may be broken (terminate: no round trip)."""
        dropped = self._appliers.pop(role, None)
        if dropped is not None:
            dropped[1].conn.terminate()

    async def _start_consumer(self) -> None:
        if self._consumer is not None:
            return
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=self._settings.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
            fetch_max_wait_ms=self._settings.fetch_max_wait_ms,
            session_timeout_ms=self._settings.session_timeout_ms,
            heartbeat_interval_ms=self._settings.session_timeout_ms // 3,
            metadata_max_age_ms=5000,
            client_id="fleet-query",
        )
        consumer.subscribe([self._settings.topic], listener=_RereadAfterError(self, consumer))
        self._consumer = consumer  # stopped by _stop_consumer even if start() is cancelled
        await consumer.start()

    async def _stop_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await consumer.stop()

    async def consume_batch(self) -> int:
        """Project one fetched batch as one page, then commit its offsets; returns records
        seen."""
        assert self._consumer is not None
        batch = await self._consumer.getmany(timeout_ms=500, max_records=500)
        records = [record for records in batch.values() for record in records]
        if records:
            applier = await self._applier("consumer")
            page = [decoded for r in records if (decoded := _decode(r.value, r.headers))]
            result = await applier.apply(page)
            if result.held:
                result = await self._heal_gaps(applier, result)
            self._observe(result)
            try:
                await self._consumer.commit()
                self.reread = False
            except CommitFailedError:  # rejoining: a restarted broker forgot the group (and
                # the topic): reread the republished window once reassigned. The page is in
                # PostgreSQL; a new consumer would wait out the old member's session instead.
                self.reread = self._settings.reread_after_error
                log.warning("commit_failed_group_rebalanced")
        await self._observe_lag()
        self.last_error = None
        return len(records)

    async def _heal_gaps(self, applier: PageApplier, result: PageResult) -> PageResult:
        """Heal the streams whose events arrived ahead of their predecessors, then offer
        the held events again (by then mostly duplicates)."""
        for event, _ in result.held:
            self.open_gaps.setdefault(StreamRef.of(event), event.version)
        for stream in result.gaps:
            log.warning("gap_detected", stream=stream.kind, stream_id=str(stream.id),
                        tracked=result.tracked[stream.id])  # fmt: skip
            try:
                await self._healer.heal_stream(applier, stream)
            except httpx.HTTPError as exc:  # stays open; the periodic healer retries
                log.warning("gap_heal_failed", error=f"{type(exc).__name__}: {exc}")
        again = await applier.apply(result.held)
        for stream in list(self.open_gaps):
            if again.tracked.get(stream.id, 0) >= self.open_gaps[stream]:
                self.open_gaps.pop(stream, None)
        again.applied = result.applied + again.applied
        again.duplicates += result.duplicates
        return again

    def _observe(self, result: PageResult) -> None:
        metrics.OPEN_GAPS.set(len(self.open_gaps))
        metrics.EVENTS.labels("kafka", "applied").inc(len(result.applied))
        metrics.EVENTS.labels("kafka", "duplicate").inc(result.duplicates)
        metrics.EVENTS.labels("kafka", "gap").inc(len(result.held))
        if result.applied:
            self.last_applied_at = time.monotonic()
            now = system_clock()
            for applied in result.applied:
                lag = (now - applied.event.occurred_at).total_seconds()
                metrics.PROJECTION_LAG.observe(max(lag, 0.0))

    async def _observe_lag(self) -> None:
        """Consumer lag; a position past a partition's end means the topic was re-created."""
        assert self._consumer is not None
        lag, recreated = 0, False
        assigned = self._consumer.assignment()
        for tp in assigned:
            highwater = self._consumer.highwater(tp)
            if highwater is None:
                continue
            position = await self._consumer.position(tp)
            recreated |= position > highwater
            lag += max(highwater - position, 0)
        if recreated:
            # Re-created as a whole (broker restart, or the relay's rotation), and the broker
            # answers no OffsetOutOfRange: reread every partition's republished window
            # (deduplicated by version); a partition whose old position is still short of
            # its new end would otherwise skip records.
            log.warning("topic_recreated", partitions=len(assigned))
            await self._consumer.seek_to_beginning(*assigned)
        self.lag = lag
        metrics.CONSUMER_LAG.set(lag)

    async def _heal_forever(self) -> None:
        while True:
            await asyncio.sleep(self._settings.heal_interval_s)
            with contextlib.suppress(asyncio.TimeoutError):
                await self.heal_once()

    async def heal_once(self) -> int:
        """One anti-entropy pass over the feed (also heals every open gap)."""
        try:
            applier = await self._applier("healer")
            applied = await self._healer.catch_up(applier)
            for stream in list(self.open_gaps):
                await self._healer.heal_stream(applier, stream)
                self.open_gaps.pop(stream, None)
            metrics.OPEN_GAPS.set(len(self.open_gaps))
            return applied
        except httpx.HTTPError as exc:  # the command service is unreachable for now
            log.warning("heal_failed", error=describe(exc))
            return 0
        except Exception as exc:  # never ends the healer: see shared/kit/outages.py
            log.warning("heal_failed", error=describe(exc), exc_info=unexpected(exc))
            self._drop_applier("healer")
            return 0

    def _alive(self, name: str) -> bool:
        return any(task.get_name() == name and not task.done() for task in self._tasks)

    def status(self) -> dict[str, Any]:
        """Readiness view: consumer lag, open gaps, last error."""
        return {
            "consumer_lag": self.lag,
            "open_gaps": len(self.open_gaps),
            "consumer_running": self._consumer is not None and self._alive("consumer"),
            "assigned_partitions": len(self._consumer.assignment()) if self._consumer else 0,
            "last_error": self.last_error,
        }


class _RereadAfterError(ConsumerRebalanceListener):  # type: ignore[misc]
    """Seeks newly assigned partitions to the beginning while the pipeline asks for it."""

    def __init__(self, pipeline: ProjectionPipeline, consumer: AIOKafkaConsumer) -> None:
        self._pipeline, self._consumer = pipeline, consumer

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Nothing to do: offsets are committed after each page."""

    async def on_partitions_assigned(self, assigned: Any) -> None:
        if self._pipeline.reread:
            for tp in assigned:  # not seek_to_beginning: it waits for the rebalance to end
                self._consumer.seek(tp, 0)  # Tansu's log start is always 0 (no deletes)


def _decode(value: bytes, headers: Any) -> tuple[StreamEvent, int] | None:
    """(event, global position) of a record, or None for one that breaks the contract."""
    try:
        return from_record(value, list(headers))
    except ContractError as exc:
        metrics.BAD_RECORDS.inc()
        log.error("bad_record", error=str(exc))
        return None
