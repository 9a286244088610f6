"""Kafka → read models: consumer group `fleet-query`, offsets committed after the DB.

Each record is projected in its own read-model transaction (projector.project); the
group's offsets are committed only once every record of the batch is committed in
PostgreSQL, so a crash replays records (deduplicated by version), never skips them.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any
from uuid import UUID

import asyncpg
import httpx
import structlog
from aiokafka import AIOKafkaConsumer
from aiokafka.errors import KafkaError

from query_service import metrics
from query_service.feed_client import CommandFeed
from query_service.healer import Healer
from query_service.projector import Outcome, project
from query_service.settings import Settings
from query_service.store.schemas import ReadModelDatabase, connect
from shared.clock import system_clock
from shared.kafka_contract import ContractError, from_record

log = structlog.get_logger("query_service.pipeline")
# Read models are derivable: after a crash the feed healer re-applies what a lost
# asynchronous commit dropped, so projections need not wait for the WAL flush.
_PROJECTION_SETTINGS = "SET synchronous_commit TO off"


class ProjectionPipeline:
    """The consumer loop and the feed healer, each on its own connection."""

    def __init__(self, settings: Settings, read_db: ReadModelDatabase) -> None:
        self._settings, self._read_db = settings, read_db
        self._feed = CommandFeed(settings.command_url, settings.service_credentials())
        self._healer = Healer(self._feed)
        self._consumer: AIOKafkaConsumer | None = None
        self._conns: dict[str, tuple[str, asyncpg.Connection]] = {}
        self._tasks: list[asyncio.Task[None]] = []
        self.open_gaps: dict[UUID, int] = {}
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
        for _, conn in self._conns.values():
            await conn.close()
        await self._feed.close()

    async def _conn(self, role: str) -> asyncpg.Connection:
        """A connection bound to the active generation (rebound after a rebuild swap)."""
        schema = self._read_db.active_schema
        current = self._conns.get(role)
        if current is not None and current[0] == schema and not current[1].is_closed():
            return current[1]
        if current is not None:
            await current[1].close()
        conn = await connect(self._read_db.dsn, schema)
        await conn.execute(_PROJECTION_SETTINGS)
        self._conns[role] = (schema, conn)
        return conn

    async def _consume_forever(self) -> None:
        while True:
            try:
                await self._start_consumer()
                await self.consume_batch()
            except (KafkaError, OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                self.last_error = f"{type(exc).__name__}: {exc}"
                log.warning("consumer_error", error=self.last_error)
                await self._stop_consumer()
                self._conns.pop("consumer", None)
                await asyncio.sleep(1)

    async def _start_consumer(self) -> None:
        if self._consumer is not None:
            return
        consumer = AIOKafkaConsumer(
            self._settings.topic,
            bootstrap_servers=self._settings.kafka_bootstrap,
            group_id=self._settings.group_id,
            enable_auto_commit=False,
            auto_offset_reset="earliest",
            max_poll_records=500,
            fetch_max_wait_ms=self._settings.fetch_max_wait_ms,
            metadata_max_age_ms=5000,
            client_id="fleet-query",
        )
        self._consumer = consumer  # stopped by _stop_consumer even if start() is cancelled
        await consumer.start()

    async def _stop_consumer(self) -> None:
        consumer, self._consumer = self._consumer, None
        if consumer is not None:
            with contextlib.suppress(KafkaError, OSError):
                await consumer.stop()

    async def consume_batch(self) -> int:
        """Project one fetched batch, then commit its offsets; returns records seen."""
        assert self._consumer is not None
        batch = await self._consumer.getmany(timeout_ms=500, max_records=500)
        conn = await self._conn("consumer")
        seen = 0
        for records in batch.values():
            for record in records:
                await self._project_record(conn, record.value, record.headers)
                seen += 1
        if seen:
            await self._consumer.commit()
        await self._observe_lag()
        self.last_error = None
        return seen

    async def _project_record(self, conn: asyncpg.Connection, value: bytes, headers: Any) -> None:
        try:
            event, position = from_record(value, list(headers))
        except ContractError as exc:
            metrics.BAD_RECORDS.inc()
            log.error("bad_record", error=str(exc))
            return
        result = await project(conn, event, position)
        if result.outcome is Outcome.GAP:
            self.open_gaps[event.vehicle_id] = event.version
            log.warning(
                "gap_detected",
                vehicle_id=str(event.vehicle_id),
                tracked=result.tracked_version,
                received=event.version,
            )
            try:
                await self._healer.heal_vehicle(conn, event.vehicle_id)
            except httpx.HTTPError as exc:  # stays open; the periodic healer retries
                log.warning("gap_heal_failed", error=f"{type(exc).__name__}: {exc}")
            result = await project(conn, event, position)
        if result.tracked_version >= self.open_gaps.get(event.vehicle_id, 0):
            self.open_gaps.pop(event.vehicle_id, None)
        metrics.OPEN_GAPS.set(len(self.open_gaps))
        metrics.EVENTS.labels("kafka", result.outcome.value).inc()
        if result.outcome is Outcome.APPLIED:
            self.last_applied_at = time.monotonic()
            lag = (system_clock() - event.occurred_at).total_seconds()
            metrics.PROJECTION_LAG.observe(max(lag, 0.0))

    async def _observe_lag(self) -> None:
        assert self._consumer is not None
        lag = 0
        for tp in self._consumer.assignment():
            highwater = self._consumer.highwater(tp)
            if highwater is not None:
                lag += max(highwater - await self._consumer.position(tp), 0)
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
            conn = await self._conn("healer")
            applied = await self._healer.catch_up(conn)
            for vehicle_id in list(self.open_gaps):
                await self._healer.heal_vehicle(conn, vehicle_id)
                self.open_gaps.pop(vehicle_id, None)
            metrics.OPEN_GAPS.set(len(self.open_gaps))
            return applied
        except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
            log.warning("heal_failed", error=f"{type(exc).__name__}: {exc}")
            self._conns.pop("healer", None)
            return 0
        except httpx.HTTPError as exc:  # the command service is unreachable for now
            log.warning("heal_failed", error=f"{type(exc).__name__}: {exc}")
            return 0

    def status(self) -> dict[str, Any]:
        """Readiness view: consumer lag, open gaps, last error."""
        return {
            "consumer_lag": self.lag,
            "open_gaps": len(self.open_gaps),
            "consumer_running": self._consumer is not None,
            "assigned_partitions": len(self._consumer.assignment()) if self._consumer else 0,
            "last_error": self.last_error,
        }
