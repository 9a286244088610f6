"""The read pipeline under the command benchmark's load: `python -m bench.commands --pipeline`.

Besides the command service (whose relay then runs in its own process, as a lifespan
task of the worker that holds the relay lock), the embedded Tansu broker and a consuming
query service run during scenarios (a) and (b). Per run it measures, from the scenario's
start (before its vehicles are registered) until the query service has caught up with
the event store after the window (bounded by --drain-timeout):

* events appended to the store, projected by the window's end and after the drain,
  where "projected" is the sum of `stream_tracking.version` in the query database
  (versions are gap-free, so it counts applied events, whichever path applied them);
* CPU seconds of the query service (its process tree), of the PostgreSQL backends
  connected to the query database, of the broker, and of the command service (relay
  included: it is not a separate process), each per projected event.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median

import asyncpg
import psutil

from bench import pipeline_stack as ps
from bench.loadgen import WindowHook
from bench.pipeline_log import Meter
from bench.report import table
from bench.stack import HOST, Service

DRAIN_POLL_S = 0.2
_STORED = "SELECT count(*) FROM events"
# Both versions of the query service keep their read models in the schema that
# public.read_model_active names (blue-green generations).
_ACTIVE = "SELECT schema_name FROM public.read_model_active"
# Releases before locations named the tracking table `vehicle_tracking` (an A/B run may
# measure one of them).
_PROJECTED = "SELECT coalesce(sum(version), 0) FROM {schema}.{table}"
_TRACKING = "SELECT coalesce(to_regclass($1)::text, 'vehicle_tracking')"
_SCHEMA = re.compile(r"^rm_[a-z0-9_]{1,40}$")
_BACKENDS = (
    "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
    "AND pid <> pg_backend_pid()"
)
# CPU keys of a ReadRun, in report order: query service, query-database backends, both,
# broker, command service (with its relay).
QUERY, QUERY_DB, BROKER, COMMAND = "query", "query_db", "broker", "service"


@dataclass
class ReadSide:
    """The running read pipeline of one command service."""

    command_dsn: str
    query_dsn: str
    query: ps.Proc
    broker_pid: int
    topic: str


@contextmanager
def read_side(
    service: Service, query_dsn: str, broker_pid: int, bootstrap: str, topic: str,
    work_dir: Path, code: Path,
) -> Iterator[ReadSide]:  # fmt: skip
    """A query service consuming `topic` into `query_dsn`, stopped by PID on exit."""
    with ps.query_service(
        f"query-w{service.workers}", query_dsn, work_dir, f"http://{HOST}:{service.port}",
        bootstrap, topic, code=code,
    ) as query:  # fmt: skip
        yield ReadSide(service.dsn, query_dsn, query, broker_pid, topic)


@dataclass
class Progress:
    """Events in the store and events the query service has projected, at one moment."""

    stored: int
    projected: int
    at: float = field(default_factory=time.monotonic)


@dataclass
class ReadRun:
    """The read side over one run of (a) or (b): scenario start until drained."""

    scenario: str
    workers: int
    run: int
    stored: int  # events appended from the scenario's start on
    projected_by_end: int  # ... of which projected when the window closed
    behind_at_end: int  # store minus projected (all events) when the window closed
    projected: int  # projected from the scenario's start until the drain ended
    drain_s: float  # from the end of the load until caught up (or the timeout)
    caught_up: bool
    span_s: float  # scenario start until the drain ended: the CPU interval
    cpu_s: dict[str, float]

    def ms_per_event(self, *names: str) -> float:
        used = sum(self.cpu_s.get(name, 0.0) for name in names)
        return used * 1e3 / self.projected if self.projected else float("nan")

    @property
    def read_ms(self) -> float:
        """The read side's CPU per projected event: query service + its database."""
        return self.ms_per_event(QUERY, QUERY_DB)


class ReadProbe:
    """Snapshots of one read side: progress over SQL and CPU over process trees."""

    def __init__(self, side: ReadSide, command_pid: int, command_port: int, pg_pid: int) -> None:
        self.side = side
        roots = {COMMAND: command_pid, "postgres": pg_pid, QUERY: side.query.process.pid,
                 BROKER: side.broker_pid}  # fmt: skip
        self._meter = Meter(roots, command_port)
        self._store: asyncpg.Connection | None = None
        self._reads: asyncpg.Connection | None = None
        self._start: Progress | None = None
        self._backends: dict[int, float] = {}
        self._began = 0.0
        self._at_end: asyncio.Task[Progress] | None = None

    async def __aenter__(self) -> ReadProbe:
        self._store = await asyncpg.connect(self.side.command_dsn)
        self._reads = await asyncpg.connect(self.side.query_dsn)
        return self

    async def __aexit__(self, *_: object) -> None:
        for conn in (self._store, self._reads):
            if conn is not None:
                await conn.close()

    async def progress(self) -> Progress:
        assert self._store is not None and self._reads is not None
        stored = int(await self._store.fetchval(_STORED))
        schema = await self._reads.fetchval(_ACTIVE)
        if not _SCHEMA.match(schema or ""):
            raise RuntimeError(f"no read-model schema is active in the query database: {schema!r}")
        table = (await self._reads.fetchval(_TRACKING, f"{schema}.stream_tracking")).split(".")[-1]
        projected = await self._reads.fetchval(_PROJECTED.format(schema=schema, table=table))
        return Progress(stored, int(projected))

    async def _backend_cpu(self) -> dict[int, float]:
        """user+system CPU seconds of each backend connected to the query database."""
        assert self._reads is not None
        usage = {}
        for row in await self._reads.fetch(_BACKENDS):
            try:
                times = psutil.Process(row["pid"]).cpu_times()
            except psutil.Error:
                continue
            usage[row["pid"]] = times.user + times.system
        return usage

    async def begin(self) -> None:
        """Before the scenario registers its vehicles."""
        self._start = await self.progress()
        self._backends = await self._backend_cpu()
        self._meter("start")
        self._began = time.monotonic()
        self._at_end = None

    def window_hook(self, inner: WindowHook) -> WindowHook:
        """`inner`, and at the window's end a progress snapshot taken right away."""

        def hook(moment: str) -> None:
            inner(moment)
            if moment == "end":
                self._at_end = asyncio.get_running_loop().create_task(self.progress())

        return hook

    async def finish(self, scenario: str, workers: int, run: int, timeout_s: float) -> ReadRun:
        """Wait until the projection caught up with the store (at most `timeout_s`)."""
        assert self._start is not None and self._at_end is not None
        at_end = await self._at_end
        drain_from = time.monotonic()
        now = await self.progress()
        while now.projected < now.stored and time.monotonic() - drain_from < timeout_s:
            await asyncio.sleep(DRAIN_POLL_S)
            now = await self.progress()
        self._meter("end")
        backends = await self._backend_cpu()
        cpu = dict(self._meter.used_s)
        # Backends gone by now are missed (the query service's pool keeps its connections).
        cpu[QUERY_DB] = sum(s - self._backends.get(pid, 0.0) for pid, s in backends.items())
        start = self._start
        return ReadRun(
            scenario=scenario,
            workers=workers,
            run=run,
            stored=now.stored - start.stored,
            projected_by_end=at_end.projected - start.projected,
            behind_at_end=at_end.stored - at_end.projected,
            projected=now.projected - start.projected,
            drain_s=now.at - drain_from,
            caught_up=now.projected >= now.stored,
            span_s=now.at - self._began,
            cpu_s=cpu,
        )


def _ms(value: float) -> str:
    return f"{value:.3f}"


def section(runs: list[ReadRun], drain_timeout_s: float) -> tuple[list[str], list[str]]:
    """Table of the read side per run and summary lines (medians per scenario/workers)."""
    rows: list[list[object]] = []
    summary: list[str] = []
    groups: dict[tuple[str, int], list[ReadRun]] = {}
    for r in runs:
        groups.setdefault((r.scenario, r.workers), []).append(r)
    for (scenario, workers), group in sorted(groups.items()):
        for r in group:
            rows.append([f"({scenario}) w{workers} run {r.run}", r.stored, r.projected_by_end,
                         r.behind_at_end, r.projected, r.drain_s,
                         "yes" if r.caught_up else "NO", r.span_s, _ms(r.ms_per_event(QUERY)),
                         _ms(r.ms_per_event(QUERY_DB)), _ms(r.read_ms),
                         _ms(r.ms_per_event(BROKER)),
                         _ms(r.ms_per_event(COMMAND))])  # fmt: skip
        read, query = median(r.read_ms for r in group), median(r.ms_per_event(QUERY) for r in group)
        query_db = median(r.ms_per_event(QUERY_DB) for r in group)
        broker = median(r.ms_per_event(BROKER) for r in group)
        lagging = sum(not r.caught_up for r in group)
        summary.append(
            f"({scenario}) workers={workers} read side: {read:.3f} ms CPU per projected event "
            f"(query service {query:.3f}, its database {query_db:.3f}), broker "
            f"{broker:.3f}; " + ("every run caught up" if not lagging else
                                 f"{lagging} run(s) NOT caught up within {drain_timeout_s:g} s")
        )  # fmt: skip
    head = ["read side", "stored", "proj@end", "behind@end", "projected", "drain s", "caught up",
            "span s", "qry ms/ev", "qdb ms/ev", "read ms/ev", "brk ms/ev",
            "cmd ms/ev"]  # fmt: skip
    return table(head, rows), summary
