"""Prometheus metrics of the command service (multi-process aware)."""

from __future__ import annotations

from prometheus_client import (
    Counter,
    Gauge,
    Histogram,
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
APPEND_GROUP_SIZE = Histogram(
    "fleet_command_append_group_size",
    "Appends carried by each append statement (store/group_append.py)",
    buckets=(1, 2, 4, 8, 16, 32, 64),
)
APPEND_GROUPS_REFUSED = Counter(
    "fleet_command_append_groups_refused_total",
    "Grouped append statements PostgreSQL refused, whose appends were then sent alone",
)
HOLDS_EXPIRED = Counter("fleet_holds_expired_total", "HoldExpired events appended by the sweeper")
PAYMENT_CALLS = Counter(
    "fleet_payment_provider_calls_total",
    "Payment provider calls, by call (authorize, capture, void) and outcome (ok, pending, "
    "declined, error)",
    ["call", "outcome"],
)


RELAY_PUBLISHED = Counter("fleet_relay_published_total", "Events acknowledged by the broker")
RELAY_ERRORS = Counter("fleet_relay_publish_errors_total", "Failed publish attempts of a batch")
RELAY_LAG_EVENTS = Gauge(
    "fleet_relay_lag_events", "Committed events not yet published", multiprocess_mode="max"
)
RELAY_LAG_SECONDS = Gauge(
    "fleet_relay_lag_seconds",
    "Age of the oldest unpublished committed event",
    multiprocess_mode="max",
)
RELAY_HORIZON_AGE = Gauge(
    "fleet_relay_horizon_age_seconds",
    "Age of the oldest open transaction holding the publishing horizon back",
    multiprocess_mode="max",
)
RELAY_LEADER = Gauge(
    "fleet_relay_leader", "1 where this process runs the relay", multiprocess_mode="max"
)
RELAY_REPUBLISHED = Counter(
    "fleet_relay_republished_total",
    "Events published again because the topic was re-created (included in published)",
)
RELAY_TOPIC_ROTATIONS = Counter(
    "fleet_relay_topic_rotations_total",
    "Times the relay re-created a full topic to bound what the broker keeps",
)
