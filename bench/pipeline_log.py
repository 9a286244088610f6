"""Relay and rebuild throughput over a seeded event log.

Relay: the log is seeded while no relay runs; then a command service with its relay on
starts, and /metrics is polled until `fleet_relay_published_total` reaches the log's
size. Rebuild: `query_service.rebuild.rebuild` (what `make rebuild` runs) replays the
command service's GET /v1/events into a fresh query database, in this process.
"""

from __future__ import annotations

import asyncio
import os
import time
from dataclasses import dataclass, field

import psutil

from bench.auth import ACCOUNTS
from bench.pipeline_stack import Proc, metric_total, topic_records
from bench.stack import MACHINE, CpuMeter
from query_service.rebuild import rebuild

METRICS_POLL_S = 0.1


@dataclass
class RelayResult:
    """What the relay published, when: seconds counted from the service's process start."""

    events: int  # in the log
    published: int
    ready_s: float  # the service answered /readyz
    first_s: float  # the first poll that saw anything published
    first_count: int
    done_s: float  # the first poll that saw everything published
    on_topic: int = 0  # records on the topic afterwards
    cpu_s: dict[str, float] = field(default_factory=dict)

    @property
    def rate(self) -> float:
        """Events per second from the process start (includes the service's start-up)."""
        return self.published / self.done_s if self.done_s else 0.0

    @property
    def steady_rate(self) -> float:
        """Events per second between the first and the last poll."""
        span = self.done_s - self.first_s
        return (self.published - self.first_count) / span if span > 0 else float("nan")


async def watch_relay(
    service: Proc, started: float, expected: int, meter: Meter, timeout_s: float
) -> RelayResult:
    """Poll the relay's counter until it reaches `expected` (or `timeout_s` passes)."""
    ready_s = time.perf_counter() - started
    meter("start")
    first: tuple[float, int] | None = None
    published = 0
    while True:
        published = int(await metric_total(service.port, "fleet_relay_published_total"))
        now = time.perf_counter() - started
        if published and first is None:
            first = (now, published)
        if published >= expected or now > timeout_s:
            break
        await asyncio.sleep(METRICS_POLL_S)
    meter("end")
    first_s, first_count = first or (now, published)
    return RelayResult(expected, published, ready_s, first_s, first_count, now,
                       cpu_s=dict(meter.used_s))  # fmt: skip


async def count_on_topic(result: RelayResult, bootstrap: str, topic: str) -> None:
    result.on_topic = await topic_records(bootstrap, topic)


@dataclass
class RebuildResult:
    events: int
    seconds: float
    cpu_s: dict[str, float]  # service (command), postgres, client (the rebuild), machine

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds else 0.0

    def cores(self) -> str:
        """Average cores busy: command service / postgres / rebuild / anything else."""
        cpu, w = self.cpu_s, self.seconds
        parts = [cpu.get(name, 0.0) for name in ("service", "postgres", "client")]
        other = max(0.0, cpu.get(MACHINE, 0.0) - sum(parts))
        parts.append(other)
        return "/".join(f"{x / w:.2f}" for x in parts)


async def measure_rebuild(query_dsn: str, service: Proc, meter: Meter) -> RebuildResult:
    """One full rebuild of a fresh query database from the command service's feed."""
    meter("start")
    report = await rebuild(query_dsn, service.url, ACCOUNTS.service, keep=0, activate=True)
    meter("end")
    return RebuildResult(report.events, report.seconds, meter.used_s)


class Meter:
    """CPU seconds over a window: process trees (bench.stack.CpuMeter) plus what their
    children that exited meanwhile used (PostgreSQL backends of closed connections), the
    whole box, and this process with its children that ended as `client` (the load
    generator, or the rebuild and its replay processes)."""

    def __init__(self, roots: dict[str, int], port: int) -> None:
        self._roots, self._trees = roots, CpuMeter(roots, port)
        self._before: dict[str, float] = {}
        self.used_s: dict[str, float] = {}

    @property
    def connections(self) -> list[int]:
        return self._trees.connections

    def __call__(self, moment: str) -> None:
        self._trees(moment)
        now = {name: _reaped_cpu(pid) for name, pid in self._roots.items()}
        now["client"] = _own_cpu()
        if moment == "start":
            self._before = now
            return
        self.used_s = dict(self._trees.used_s)
        for name, seconds in now.items():
            self.used_s[name] = self.used_s.get(name, 0.0) + seconds - self._before[name]


def _own_cpu() -> float:
    """CPU seconds of this process and of its children that ended (a rebuild's replay
    processes)."""
    return time.process_time() + _reaped_cpu(os.getpid())


def _reaped_cpu(pid: int) -> float:
    """CPU seconds of the children `pid` has waited for (they are gone from its tree)."""
    try:
        times = psutil.Process(pid).cpu_times()
    except psutil.Error:
        return 0.0
    return float(times.children_user + times.children_system)


def meter_for(service: Proc, postgres_pid: int, **others: int) -> Meter:
    """A meter of the service's and PostgreSQL's process trees (and `others`)."""
    return Meter({"service": service.process.pid, "postgres": postgres_pid, **others},
                 service.port)  # fmt: skip
