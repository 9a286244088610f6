"""Prometheus metrics of the command service (multi-process aware)."""

from __future__ import annotations

import os

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    generate_latest,
    multiprocess,
)

COMMAND_SECONDS = Histogram(
    "fleet_command_duration_seconds",
    "Time to decide and append a command, by command and outcome",
    ["command", "outcome"],
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
VERSION_CONFLICTS = Counter(
    "fleet_command_version_conflicts_total",
    "Appends that lost the optimistic version check",
    ["command"],
)
RETRIES = Counter(
    "fleet_command_retries_total", "Commands decided again after a version conflict", ["command"]
)
HOLDS_EXPIRED = Counter("fleet_holds_expired_total", "HoldExpired events appended by the sweeper")


def render_metrics() -> tuple[bytes, str]:
    """The exposition text; with several workers, merged from PROMETHEUS_MULTIPROC_DIR."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry), CONTENT_TYPE_LATEST
    from prometheus_client import REGISTRY

    return generate_latest(REGISTRY), CONTENT_TYPE_LATEST
