"""Command service settings: FLEET_* environment variables (or `.env`), typed and checked."""

from __future__ import annotations

from pydantic import Field, PositiveInt

from command_service.identity.settings import IdentitySettings
from command_service.payments.settings import PaymentSettings
from command_service.topic_keeper import Retention
from shared.kit.settings import (
    CommandDatabaseUrl,
    KafkaBootstrap,
    KafkaPartitions,
    KafkaTopic,
    LogFormat,
    LogLevel,
    MaxBodyBytes,
    ModeSettings,
    load,
    var,
)


class Settings(ModeSettings):
    """Everything the command service reads at start (`python -m command_service.settings`
    checks the environment and exits 1 with a one-line error)."""

    database_url: CommandDatabaseUrl
    pool_min: int = var("FLEET_COMMAND_POOL_MIN", 4, "Database pool size per worker, at least.")
    pool_max: int = var("FLEET_COMMAND_POOL_MAX", 16, "Database pool size per worker, at most.")
    concurrency: PositiveInt = var(
        "FLEET_COMMAND_CONCURRENCY",
        16,
        "Vehicle commands holding a database connection at once per worker (at most the "
        "pool); the others wait in arrival order. The more wait together, the more appends "
        "share a statement (docs/command-side.md).",
    )
    migrate_on_start: bool = var(
        "FLEET_MIGRATE_ON_START", True, "Apply pending SQL migrations at start (advisory-locked)."
    )
    sweeper_interval_ms: int = var(
        "FLEET_SWEEPER_INTERVAL_MS", 5000, "How often the sweeper leader looks for expired holds."
    )
    payment_manager_interval_ms: int = var(
        "FLEET_PAYMENT_MANAGER_INTERVAL_MS",
        1000,
        "How often the payment process manager's leader takes open payments their next step.",
    )
    max_body_bytes: MaxBodyBytes
    max_attempts: int = var(
        "FLEET_COMMAND_MAX_ATTEMPTS",
        20,
        "Tries of a command whose append keeps losing the version race before it answers "
        "503 (too much contention).",
    )
    log_level: LogLevel
    log_format: LogFormat
    kafka_bootstrap: KafkaBootstrap
    topic: KafkaTopic
    partitions: KafkaPartitions
    relay_batch: int = var("FLEET_RELAY_BATCH", 1000, "Events the relay publishes per batch.")
    relay_poll_ms: int = var(
        "FLEET_RELAY_POLL_MS",
        1000,
        "Relay poll when no notification wakes it; also how often a standby tries to lead.",
    )
    kafka_retain_events: int = var(
        "FLEET_KAFKA_RETAIN_EVENTS",
        Retention.retain_events,
        "Events the relay republishes after it finds the topic lost or re-created, and keeps "
        "when it rotates a full topic ([docs/broker.md](docs/broker.md)).",
    )
    kafka_max_events: int = var(
        "FLEET_KAFKA_MAX_EVENTS",
        Retention.max_events,
        "Events on the topic at which the relay rotates it down to the retained window; 0 "
        "leaves retention to the broker (a real Kafka).",
    )
    identity: IdentitySettings = Field(default_factory=IdentitySettings)
    payments: PaymentSettings = Field(default_factory=PaymentSettings)

    @property
    def sweeper_interval_s(self) -> float:
        return self.sweeper_interval_ms / 1000

    @property
    def payment_manager_interval_s(self) -> float:
        return self.payment_manager_interval_ms / 1000

    @property
    def relay_poll_interval_s(self) -> float:
        return self.relay_poll_ms / 1000

    @property
    def retention(self) -> Retention:
        """How much of the log the topic keeps (checked: the maximum above the window)."""
        return Retention(self.kafka_retain_events, self.kafka_max_events)


if __name__ == "__main__":
    load(Settings)
