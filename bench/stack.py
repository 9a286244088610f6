"""The processes a benchmark runs against: embedded PostgreSQL and the command service.

Everything listens on loopback ports that were free at start; every process started here
is stopped by PID in a `finally`, and every database created here is dropped afterwards.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import subprocess
import sys
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


def start_service(
    app: str,
    port: int,
    workers: int,
    env: dict[str, str],
    log_path: Path,
    state_dir: Path,
    code: Path = services.ROOT,
) -> Popen[bytes]:
    """`deploy.services.start_service`, but loading the services from checkout `code`.

    Another checkout (e.g. the code before a change) runs with its own directory as the
    working directory and first on PYTHONPATH, under this interpreter, so one harness
    measures both. The uvicorn command line is the one deploy/services.py builds.
    """
    if code == services.ROOT:
        return services.start_service(app, port, workers, env, log_path, state_dir)
    child_env = {**os.environ, **env, "PYTHONPATH": str(code)}
    if workers > 1:  # Prometheus must merge the workers' metrics
        metrics_dir = state_dir / f"metrics-{port}"
        shutil.rmtree(metrics_dir, ignore_errors=True)
        metrics_dir.mkdir(parents=True)
        child_env["PROMETHEUS_MULTIPROC_DIR"] = str(metrics_dir)
    args = [sys.executable, "-m", "uvicorn", "--factory", app, "--host", HOST,
            "--port", str(port), "--workers", str(workers), "--loop", "uvloop",
            "--http", "httptools", "--no-access-log",
            "--timeout-graceful-shutdown", "5"]  # fmt: skip
    with open(log_path, "ab") as out:  # the child process keeps its own descriptor
        return subprocess.Popen(args, cwd=code, env=child_env, stdout=out,
                                stderr=subprocess.STDOUT, start_new_session=True)  # fmt: skip


@contextmanager
def command_service(
    dsn: str,
    workers: int,
    work_dir: Path,
    code: Path = services.ROOT,
    extra_env: dict[str, str] | None = None,
    name: str = "",
) -> Iterator[Service]:
    """uvicorn with `workers` workers on a free port, logging at WARNING; stopped on exit.

    `extra_env` overrides SERVICE_ENV (e.g. a Kafka bootstrap: the relay then runs in
    the service's process); `code` is the checkout the service is loaded from.
    """
    port = free_port()
    work_dir.mkdir(parents=True, exist_ok=True)
    log_path = work_dir / f"{name or 'command'}-w{workers}.log"
    log_path.unlink(missing_ok=True)
    env = {**SERVICE_ENV, **ACCOUNTS.command_env(), **(extra_env or {})}
    env["FLEET_COMMAND_DATABASE_URL"] = dsn
    proc = start_service(services.COMMAND_APP, port, workers, env, log_path, work_dir, code)
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
