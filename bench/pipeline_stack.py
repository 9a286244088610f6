"""The processes of the read-pipeline benchmark: broker, command service, query service.

Built on bench/stack.py (embedded PostgreSQL, fresh databases) and deploy/: every process
listens on a free loopback port and is stopped by PID when its `with` block ends.
"""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from subprocess import Popen

from aiokafka import AIOKafkaConsumer, TopicPartition

from bench.auth import ACCOUNTS, sign_in
from bench.loadgen import HttpConnection
from bench.stack import HOST, start_service
from deploy import services
from deploy.broker import EmbeddedBroker
from deploy.postgres import free_port
from shared.contract.events import BookingConfirmed
from shared.contract.kafka_record import from_record

PARTITIONS = 12  # the command service's default topic layout
RELAY_POLL_MS = 200  # fallback only: the relay is woken by NOTIFY at every commit
HEAL_INTERVAL_MS = 60_000  # the query side must see writes through Kafka, not the healer


@dataclass
class Proc:
    """A running service: its name, port, process and log."""

    name: str
    port: int
    process: Popen[bytes]
    log_path: Path
    workers: int = 1

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"


@contextmanager
def broker(log_dir: Path) -> Iterator[EmbeddedBroker]:
    """The embedded Tansu broker (memory storage), stopped on exit."""
    embedded = EmbeddedBroker(log_dir)
    embedded.start()
    try:
        yield embedded
    finally:
        embedded.stop()


@contextmanager
def service(
    name: str, app: str, env: dict[str, str], work_dir: Path, workers: int, code: Path
) -> Iterator[Proc]:
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / f"{name}.log"
    log_path.unlink(missing_ok=True)
    env = {"FLEET_LOG_LEVEL": "WARNING", **env}
    proc = start_service(app, port, workers, env, log_path, work_dir, code)
    try:
        services.wait_ready(f"http://{HOST}:{port}/readyz", proc, 90, until=services.consuming)
        yield Proc(name, port, proc, log_path, workers)
    finally:
        services.stop(proc)
        shutil.rmtree(work_dir / f"metrics-{port}", ignore_errors=True)


@contextmanager
def command_service(
    name: str,
    dsn: str,
    work_dir: Path,
    bootstrap: str = "",
    topic: str = "",
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    code: Path = services.ROOT,
) -> Iterator[Proc]:
    """The command service; its relay publishes to `topic` when `bootstrap` is given.

    `code`: the checkout the service is loaded from (bench.stack.start_service)."""
    env = {
        "FLEET_COMMAND_DATABASE_URL": dsn,
        "FLEET_KAFKA_BOOTSTRAP": bootstrap,
        "FLEET_KAFKA_TOPIC": topic or "fleet.vehicle-events",
        "FLEET_KAFKA_PARTITIONS": str(PARTITIONS),
        "FLEET_RELAY_POLL_MS": str(RELAY_POLL_MS),
        **ACCOUNTS.command_env(),
        **(extra_env or {}),
    }
    with service(name, services.COMMAND_APP, env, work_dir, workers, code) as proc:
        sign_in(f"http://{HOST}:{proc.port}")
        yield proc


@contextmanager
def query_service(
    name: str,
    dsn: str,
    work_dir: Path,
    command_url: str,
    bootstrap: str = "",
    topic: str = "",
    workers: int = 1,
    extra_env: dict[str, str] | None = None,
    code: Path = services.ROOT,
) -> Iterator[Proc]:
    """The query service; it consumes `topic` only when `bootstrap` is given."""
    env = {
        "FLEET_QUERY_DATABASE_URL": dsn,
        "FLEET_KAFKA_BOOTSTRAP": bootstrap or "127.0.0.1:9",
        "FLEET_KAFKA_TOPIC": topic or "fleet.vehicle-events",
        "FLEET_QUERY_GROUP": f"bench-{topic or 'none'}",
        "FLEET_COMMAND_URL": command_url,
        "FLEET_QUERY_HEAL_INTERVAL_MS": str(HEAL_INTERVAL_MS),
        "FLEET_QUERY_CONSUME": "true" if bootstrap else "false",
        **ACCOUNTS.query_env(),
        **(extra_env or {}),
    }
    with service(name, services.QUERY_APP, env, work_dir, workers, code) as proc:
        yield proc


async def metric_total(port: int, name: str) -> float:
    """The sum of every sample of metric `name` (all label sets) on a service's /metrics."""
    conn = HttpConnection(HOST, port)
    try:
        status, body = await conn.request("GET", "/metrics")
    finally:
        await conn.close()
    if status != 200:
        raise RuntimeError(f"/metrics answered {status}")
    total = 0.0
    for line in body.decode().splitlines():
        metric, _, value = line.rpartition(" ")
        if metric == name or metric.startswith(name + "{"):
            total += float(value)
    return total


async def topic_records(bootstrap: str, topic: str) -> int:
    """Records on the topic: last offset + 1, summed over its partitions.

    Read, not asked: Tansu's ListOffsets answers the base offset of a partition's last
    batch rather than the offset after its last record.
    """
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    try:
        await consumer._client.force_metadata_update()  # the topic may be new to it
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        last = dict.fromkeys(partitions, -1)
        for tp, offset in (await consumer.end_offsets(partitions)).items():
            consumer.seek(tp, max(offset - 1, 0))
        while batch := await consumer.getmany(timeout_ms=1000):
            for tp, records in batch.items():
                last[tp] = max(last[tp], records[-1].offset)
        return sum(offset + 1 for offset in last.values())
    finally:
        await consumer.stop()


async def booking_publish_times(bootstrap: str, topic: str) -> dict[str, float]:
    """booking_id → record timestamp (s since the epoch) of every BookingConfirmed."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await consumer.start()
    found: dict[str, float] = {}
    try:
        await consumer._client.force_metadata_update()
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or []]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            for batch in (await consumer.getmany(timeout_ms=500)).values():
                for msg in batch:
                    event, _ = from_record(msg.value, list(msg.headers))
                    if isinstance(event, BookingConfirmed):
                        found[str(event.booking_id)] = msg.timestamp / 1e3
    finally:
        await consumer.stop()
    return found
