"""The whole pipeline as real processes, and the checks the fault tests share."""

from __future__ import annotations

import asyncio
import subprocess
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import asyncpg

from deploy import services
from deploy.accounts import StartupAccounts
from query_service.rebuild import rebuild
from shared.kit.kafka_admin import ensure_topic
from tests.loopback import Loopback


@dataclass
class Stack(Loopback):
    """Command service (+ relay unless disabled) and query service over one cluster."""

    command_dsn: str
    query_dsn: str
    bootstrap: str
    topic: str
    log_dir: Path
    relay: bool = True
    # Long by default: the topic alone must deliver; the broker-restart test shortens it.
    heal_interval_ms: int = 60_000
    heal_grace_ms: int = 15_000  # the feed healer leaves younger events to the topic
    accounts: StartupAccounts = field(default_factory=StartupAccounts.generate)
    command_extra_env: dict[str, str] = field(default_factory=dict)  # e.g. demo mode
    query_extra_env: dict[str, str] = field(default_factory=dict)  # e.g. the simulated clock
    command_workers: int = 1
    procs: dict[str, subprocess.Popen[bytes]] = field(default_factory=dict)

    def _kafka_env(self) -> dict[str, str]:
        return {
            "FLEET_KAFKA_BOOTSTRAP": self.bootstrap,
            "FLEET_KAFKA_TOPIC": self.topic,
            "FLEET_KAFKA_PARTITIONS": "4",
            "FLEET_LOG_LEVEL": "WARNING",
        }

    def start_command(self) -> None:
        env = {**self._kafka_env(), **self.accounts.command_env(), "FLEET_RELAY_POLL_MS": "200"}
        if not self.relay:
            env["FLEET_KAFKA_BOOTSTRAP"] = ""
        env.update(self.command_extra_env)
        proc = services.start_command_service(
            self.command_port,
            self.command_dsn,
            self.command_workers,
            env=env,
            log_path=self.log_dir / "command.log",
            state_dir=self.log_dir,
        )
        self.procs["command"] = proc
        services.wait_ready(f"{self.command_url}/readyz", proc, timeout_s=60)

    def start_query(
        self, until: Callable[[dict], bool] | None = services.consuming, timeout_s: float = 60
    ) -> None:
        """Start the query service and wait for readiness (by default: consuming, which
        these tests need; a ready replica may still be joining its consumer group)."""
        env = {
            **self._kafka_env(),
            **self.accounts.query_env(),
            "FLEET_QUERY_DATABASE_URL": self.query_dsn,
            "FLEET_COMMAND_URL": self.command_url,
            "FLEET_QUERY_GROUP": f"query-{self.topic}",
            "FLEET_QUERY_HEAL_INTERVAL_MS": str(self.heal_interval_ms),
            "FLEET_QUERY_HEAL_GRACE_MS": str(self.heal_grace_ms),
            **self.query_extra_env,
        }
        proc = services.start_service(
            services.QUERY_APP, self.query_port, env=env, log_path=self.log_dir / "query.log"
        )
        self.procs["query"] = proc
        services.wait_ready(f"{self.query_url}/readyz", proc, timeout_s, until=until)

    def kill(self, name: str) -> None:
        """SIGKILL: no graceful shutdown, exactly like a crash."""
        proc = self.procs.pop(name)
        proc.kill()
        proc.wait()

    def stop(self) -> None:
        for proc in self.procs.values():
            services.stop(proc)
        self.procs.clear()


async def stream_heads(command_dsn: str) -> dict:
    conn = await asyncpg.connect(command_dsn)
    try:
        rows = await conn.fetch("SELECT stream_id, max(version) AS v FROM events GROUP BY 1")
    finally:
        await conn.close()
    return {r["stream_id"]: r["v"] for r in rows}


async def tracked(query_dsn: str) -> dict:
    conn = await asyncpg.connect(query_dsn)
    try:
        schema = await conn.fetchval("SELECT schema_name FROM public.read_model_active")
        rows = await conn.fetch(f"SELECT stream_id, version FROM {schema}.stream_tracking")
    finally:
        await conn.close()
    return {r["stream_id"]: r["version"] for r in rows}


async def wait_caught_up(stack: Stack, timeout_s: float = 90.0) -> None:
    """Until every vehicle's projected version equals its stream's head."""
    deadline = time.monotonic() + timeout_s
    while True:
        heads = await stream_heads(stack.command_dsn)
        if heads and await tracked(stack.query_dsn) == heads:
            return
        if time.monotonic() > deadline:
            behind = {k: (v, (await tracked(stack.query_dsn)).get(k)) for k, v in heads.items()}
            lagging = {k: v for k, v in behind.items() if v[0] != v[1]}
            raise AssertionError(f"read models never caught up: {list(lagging.items())[:5]}")
        await asyncio.sleep(0.25)


async def snapshot(conn: asyncpg.Connection, schema: str) -> dict[str, list[str]]:
    """Every row of every read-model table, as canonical JSON text, sorted."""
    tables = [
        r["table_name"]
        for r in await conn.fetch(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
            " AND table_name <> 'feed_cursor' ORDER BY 1",
            schema,
        )
    ]
    return {
        t: [
            r[0]
            for r in await conn.fetch(f"SELECT to_jsonb(t)::text FROM {schema}.{t} AS t ORDER BY 1")
        ]
        for t in tables
    }


async def assert_equals_rebuild(stack: Stack) -> int:
    """Rebuild from the log into a side schema and compare every row; returns row count."""
    report = await rebuild(
        stack.query_dsn, stack.command_url, stack.accounts.service, keep=10, activate=False
    )
    conn = await asyncpg.connect(stack.query_dsn)
    try:
        active = await conn.fetchval("SELECT schema_name FROM public.read_model_active")
        live, rebuilt = await snapshot(conn, active), await snapshot(conn, report.schema)
    finally:
        await conn.close()
    assert live.keys() == rebuilt.keys()
    for table in live:
        assert live[table] == rebuilt[table], f"{table} differs from a rebuild"
    return sum(len(rows) for rows in live.values())


async def make_stack(cluster: Any, bootstrap: str, tmp_path: Path, relay: bool = True) -> Stack:
    """A stack (not started) on fresh databases and a fresh 4-partition topic."""
    topic = f"e2e.{uuid.uuid4().hex[:8]}"
    await ensure_topic(bootstrap, topic, 4)
    return Stack(
        command_dsn=await cluster.create_database("e2e_cmd"),
        query_dsn=await cluster.create_database("e2e_query"),
        bootstrap=bootstrap,
        topic=topic,
        log_dir=tmp_path,
        relay=relay,
    )
