"""Prometheus exposition shared by both services (merges uvicorn workers when needed)."""

from __future__ import annotations

import os
from collections.abc import Iterable

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    CollectorRegistry,
    Histogram,
    ProcessCollector,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

HTTP_SECONDS = Histogram(
    "fleet_http_request_duration_seconds",
    "HTTP requests by method, route template and status; _count counts the requests",
    ["method", "route", "status"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0),
)


def _parent_of(pid: int) -> int | None:
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            return int(stat.read().rsplit(b")", 1)[-1].split()[1])
    except (OSError, ValueError, IndexError):
        return None


def worker_pids(directory: str) -> list[int]:
    """Live workers of this server: the pids in the multiprocess files' names
    (`histogram_1234.db`) that share our parent (a dead worker's pid may be reused)."""
    parent = os.getppid()
    pids = set()
    for name in os.listdir(directory):
        pid = name.removesuffix(".db").rsplit("_", 1)[-1]
        if pid.isdigit() and _parent_of(int(pid)) == parent:
            pids.add(int(pid))
    return sorted(pids)


def _process_metrics(pid: int) -> Iterable[Metric]:
    """prometheus_client's process metrics of another process (read from /proc)."""

    def target() -> int:
        return pid

    return ProcessCollector(pid=target, registry=None).collect()


class WorkerProcesses(Collector):
    """`process_*` metrics (CPU, RSS, fds, start time) of every live worker, by `pid`.

    prometheus_client's multiprocess mode drops the process collector; without this, a
    server with several workers would expose none.
    """

    def __init__(self, directory: str) -> None:
        self.directory = directory

    def collect(self) -> Iterable[Metric]:
        """One family per process metric, one sample per worker."""
        families: dict[str, Metric] = {}
        for pid in worker_pids(self.directory):
            for metric in _process_metrics(pid):
                merged = families.setdefault(
                    metric.name, Metric(metric.name, metric.documentation, metric.type)
                )
                for sample in metric.samples:
                    merged.add_sample(sample.name, {**sample.labels, "pid": str(pid)}, sample.value)
        return list(families.values())


def render_metrics() -> tuple[bytes, str]:
    """The exposition text; with several workers, merged from PROMETHEUS_MULTIPROC_DIR."""
    directory = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if directory:
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        registry.register(WorkerProcesses(directory))
        return generate_latest(registry), CONTENT_TYPE_LATEST
    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
