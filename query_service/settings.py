"""Query service settings: FLEET_* environment variables (or `.env`), typed and checked."""

from __future__ import annotations

from typing import Literal

from pydantic import PositiveInt

from shared.kit.auth.client import Credentials
from shared.kit.settings import (
    CommandUrl,
    FleetSettings,
    KafkaBootstrap,
    KafkaTopic,
    LogFormat,
    LogLevel,
    MaxBodyBytes,
    ModeSettings,
    QueryDatabaseUrl,
    ServiceAccountEmail,
    ServiceAccountPassword,
    StateDir,
    load,
    var,
)

REBUILD_PROCESSES = 2  # a rebuild's replay processes; 1 suits a 1-core machine


class Settings(ModeSettings):
    """Everything the query service reads at start (`python -m query_service.settings`
    checks the environment and exits 1 with a one-line error)."""

    database_url: QueryDatabaseUrl
    kafka_bootstrap: KafkaBootstrap = "127.0.0.1:19092"
    topic: KafkaTopic
    group_id: str = var("FLEET_QUERY_GROUP", "fleet-query", "Consumer group of the projections.")
    command_url: CommandUrl
    # The machine account that reads the command service's event feed when healing.
    service_email: ServiceAccountEmail
    service_password: ServiceAccountPassword
    pool_min: int = var(
        "FLEET_QUERY_POOL_MIN",
        2,
        "Readers' database pool per worker, at least (bookkeeping has its own pool of 1 to 4).",
    )
    pool_max: int = var("FLEET_QUERY_POOL_MAX", 16, "Readers' database pool per worker, at most.")
    read_concurrency: PositiveInt = var(
        "FLEET_QUERY_READ_CONCURRENCY",
        4,
        "Read-model statements in flight per worker (at most the pool); the others wait in "
        "arrival order. 4 suited the 2-core embedded setup.",
    )
    heal_interval_ms: int = var(
        "FLEET_QUERY_HEAL_INTERVAL_MS", 5000, "How often the healer looks for gaps in the log."
    )
    heal_grace_ms: int = var(
        "FLEET_QUERY_HEAL_GRACE_MS",
        15000,
        "The feed healer leaves events younger than this to the topic (docs/pipeline.md).",
    )
    # The embedded broker may lose topic and offsets: reread from offset 0 after a consumer
    # error or a forgotten group. Off for a Kafka cluster, whose offsets survive.
    reread_after_error: bool = var(
        "FLEET_QUERY_REREAD_AFTER_ERROR",
        True,
        "After a consumer error or a forgotten group, reread the topic from offset 0 "
        "(the embedded broker may have lost it); `false` for a Kafka cluster.",
    )
    # The embedded broker answers a fetch only after the full wait when no data is
    # there yet: keep it short so a new record is seen within tens of milliseconds.
    fetch_max_wait_ms: int = var(
        "FLEET_QUERY_FETCH_MAX_WAIT_MS", 50, "Longest wait of a Kafka fetch with no new records."
    )
    # The embedded broker holds a (re)join for about half a session timeout, and after a
    # crash until the dead member's session ends: 10 s (the client default) meant 18 s to
    # rejoin after a SIGKILL, 3 s means about 7 s (docs/pipeline.md).
    session_timeout_ms: int = var(
        "FLEET_QUERY_SESSION_TIMEOUT_MS",
        3000,
        "Kafka consumer session timeout: how soon a dead replica's partitions move on.",
    )
    log_level: LogLevel
    log_format: LogFormat
    max_body_bytes: MaxBodyBytes
    consume: bool = var(
        "FLEET_QUERY_CONSUME",
        True,
        "`false`: serve the read models without consuming Kafka (rebuilds, tests).",
    )

    @property
    def heal_interval_s(self) -> float:
        return self.heal_interval_ms / 1000

    @property
    def heal_grace_s(self) -> float:
        return self.heal_grace_ms / 1000

    def service_credentials(self) -> Credentials | None:
        """The feed reader's account, when configured."""
        if not (self.service_email and self.service_password):
            return None
        return Credentials(self.service_email, self.service_password)


class RebuildSettings(FleetSettings):
    """What `fleetledger rebuild` reads."""

    database_url: QueryDatabaseUrl
    command_url: CommandUrl
    log_level: LogLevel
    log_format: LogFormat
    service_email: ServiceAccountEmail
    service_password: ServiceAccountPassword
    state_dir: StateDir
    processes: Literal[1, 2, 4] = var(
        "FLEET_REBUILD_PROCESSES",
        REBUILD_PROCESSES,
        "Processes replaying the log, each a quarter or half of the streams: one Python "
        "process is a rebuild's limit, with PostgreSQL's share of the machine to spare.",
    )


if __name__ == "__main__":
    load(Settings)
