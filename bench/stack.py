"""The processes a benchmark runs against: embedded PostgreSQL and the command service.

Everything listens on loopback ports that were free at start; every process started here
is stopped by PID in a `finally`, and every database created here is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

import asyncpg
import psutil

from bench.auth import ACCOUNTS, sign_in
from deploy import services
from deploy.postgres import EmbeddedPostgres, free_port

HOST = "127.0.0.1"
# WARNING logs; no Kafka relay: the benchmark measures the command path alone.
SERVICE_ENV = {"FLEET_LOG_LEVEL": "WARNING", "FLEET_KAFKA_BOOTSTRAP": ""}


@dataclass
class Service:
    """A running command service: where it listens and which database it writes."""

    workers: int
    port: int
    dsn: str
    process: Popen[bytes]
    log_path: Path


@contextmanager
def postgres(data_dir: Path) -> Iterator[EmbeddedPostgres]:
    """The embedded PostgreSQL server (initdb on first use), stopped on exit."""
    pg = EmbeddedPostgres(data_dir)
    pg.start(timeout_s=60)
    try:
        yield pg
    finally:
        pg.stop()


@contextmanager
def fresh_database(pg: EmbeddedPostgres, prefix: str) -> Iterator[str]:
    """A new, empty database (DSN), dropped on exit."""
    name = f"{prefix}_{time.strftime('%Y%m%d_%H%M%S')}_{free_port()}"
    pg.create_database(name)
    try:
        yield pg.dsn(name)
    finally:
        asyncio.run(_drop(pg.dsn("postgres"), name))


async def _drop(admin_dsn: str, name: str) -> None:
    conn = await asyncpg.connect(admin_dsn)
    try:
        await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await conn.close()


@contextmanager
def command_service(dsn: str, workers: int, work_dir: Path) -> Iterator[Service]:
    """uvicorn with `workers` workers on a free port, logging at WARNING; stopped on exit."""
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / f"command-w{workers}.log"
    log_path.unlink(missing_ok=True)
    proc = services.start_command_service(
        port,
        dsn,
        workers=workers,
        env={**SERVICE_ENV, **ACCOUNTS.command_env()},
        log_path=log_path,
        state_dir=work_dir,
    )
    try:
        services.wait_ready(f"http://{HOST}:{port}/readyz", proc, timeout_s=60)
        sign_in(f"http://{HOST}:{port}")
        yield Service(workers, port, dsn, proc, log_path)
    finally:
        services.stop(proc)
        shutil.rmtree(work_dir / f"metrics-{port}", ignore_errors=True)  # workers > 1 only


@dataclass
class CpuMeter:
    """CPU seconds used by process trees between the `start` and `end` of a window.

    At the start it also counts the client connections each service worker holds: the
    workers share one listening socket, so keep-alive clients may all land on one worker.
    """

    roots: dict[str, int]
    port: int = 0
    _before: dict[str, dict[int, float]] = field(default_factory=dict)
    used_s: dict[str, float] = field(default_factory=dict)
    connections: list[int] = field(default_factory=list)

    def __call__(self, moment: str) -> None:
        snapshot = {name: _tree_cpu(pid) for name, pid in self.roots.items()}
        snapshot[MACHINE] = {0: _machine_busy()}
        if moment == "start":
            self._before = snapshot
            self.connections = _connections_per_worker(self.roots["service"], self.port)
            return
        for name, after in snapshot.items():
            before = self._before.get(name, {})
            self.used_s[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


MACHINE = "machine"  # CpuMeter's key for the busy CPU seconds of the whole box


def _machine_busy() -> float:
    """CPU seconds all cores spent running code (user, system, interrupts) since boot."""
    t = psutil.cpu_times()
    return float(t.user + t.nice + t.system + getattr(t, "irq", 0.0) + getattr(t, "softirq", 0.0))


def _connections_per_worker(pid: int, port: int) -> list[int]:
    """Established connections to `port` per process of the tree that listens on it."""
    counts: dict[int, int] = {}
    try:
        root = psutil.Process(pid)
        for proc in (root, *root.children(recursive=True)):
            sockets = [c for c in proc.net_connections("tcp") if c.laddr and c.laddr.port == port]
            if sockets:
                counts[proc.pid] = sum(c.status == psutil.CONN_ESTABLISHED for c in sockets)
    except psutil.Error:
        return []
    if len(counts) > 1:
        counts.pop(pid, None)  # the supervisor of several workers only listens
    return list(counts.values())


def _tree_cpu(pid: int) -> dict[int, float]:
    """user+system CPU seconds of a process and each of its descendants, by PID."""
    try:
        root = psutil.Process(pid)
        procs = [root, *root.children(recursive=True)]
    except psutil.Error:
        return {}
    usage = {}
    for proc in procs:
        try:
            times = proc.cpu_times()
        except psutil.Error:
            continue
        usage[proc.pid] = times.user + times.system
    return usage
