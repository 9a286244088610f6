"""The processes a benchmark runs against: embedded PostgreSQL and the command service.

Everything listens on loopback ports that were free at start; every process started here
is stopped by PID in a `finally`, and every database created here is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from subprocess import Popen

import asyncpg
import psutil

from deploy import services
from deploy.postgres import EmbeddedPostgres, free_port

HOST = "127.0.0.1"
SERVICE_ENV = {"FLEET_LOG_LEVEL": "WARNING"}


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
    log_path = work_dir / f"command-w{workers}-{port}.log"
    proc = services.start_command_service(
        port, dsn, workers=workers, env=SERVICE_ENV, log_path=log_path, state_dir=work_dir
    )
    try:
        services.wait_ready(f"http://{HOST}:{port}/readyz", proc, timeout_s=60)
        yield Service(workers, port, dsn, proc, log_path)
    finally:
        services.stop(proc)


@dataclass
class CpuMeter:
    """CPU seconds used by process trees between the `start` and `end` of a window."""

    roots: dict[str, int]
    _before: dict[str, dict[int, float]] = field(default_factory=dict)
    used_s: dict[str, float] = field(default_factory=dict)

    def __call__(self, moment: str) -> None:
        snapshot = {name: _tree_cpu(pid) for name, pid in self.roots.items()}
        if moment == "start":
            self._before = snapshot
            return
        for name, after in snapshot.items():
            before = self._before.get(name, {})
            self.used_s[name] = sum(cpu - before.get(pid, 0.0) for pid, cpu in after.items())


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
