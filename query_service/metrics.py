"""Prometheus metrics of the query service."""

from __future__ import annotations

from prometheus_client import Counter, Gauge, Histogram

EVENTS = Counter(
    "fleet_query_events_total",
    "Events seen by the projector, by source and outcome",
    ["source", "outcome"],
)
PROJECTION_LAG = Histogram(
    "fleet_query_projection_lag_seconds",
    "Event time to read-model commit",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)
CONSUMER_LAG = Gauge(
    "fleet_query_consumer_lag_records",
    "Records on the topic not yet consumed",
    multiprocess_mode="max",
)
OPEN_GAPS = Gauge(
    "fleet_query_open_gaps",
    "Vehicles whose next event has not arrived in order",
    multiprocess_mode="max",
)
HEALED = Counter("fleet_query_healed_events_total", "Events applied from the command feed")
BAD_RECORDS = Counter("fleet_query_bad_records_total", "Records that break the Kafka contract")
