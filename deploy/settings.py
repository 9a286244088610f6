"""Settings of the local stack's launcher and of the tools that talk to a running stack."""

from __future__ import annotations

from pathlib import Path

from sandbox_provider.settings import SandboxWebhookUrl
from shared.kit.auth.client import CREDENTIALS_FILE, Credentials, credentials_from
from shared.kit.settings import (
    CommandDatabaseUrl,
    CommandUrl,
    FleetSettings,
    KafkaBootstrap,
    KafkaPartitions,
    KafkaTopic,
    LogFormat,
    LogLevel,
    QueryDatabaseUrl,
    StateDir,
    var,
)


class LauncherSettings(FleetSettings):
    """What `fleetledger run` / `demo` read (deploy.launcher)."""

    state_dir: StateDir
    pg_port: int = var("FLEET_PG_PORT", 54329, "Port of the embedded PostgreSQL.")
    broker_port: int = var("FLEET_BROKER_PORT", 19092, "Port of the embedded broker.")
    command_port: int = var("FLEET_COMMAND_PORT", 8000, "Port of the command service.")
    command_workers: int = var(
        "FLEET_COMMAND_WORKERS", 2, "uvicorn workers of the command service."
    )
    query_port: int = var("FLEET_QUERY_PORT", 8001, "Port of the query service.")
    query_workers: int = var("FLEET_QUERY_WORKERS", 1, "uvicorn workers of the query service.")
    sandbox_port: int = var("FLEET_SANDBOX_PORT", 8002, "Port of the sandbox payment provider.")
    sandbox_webhook_url: SandboxWebhookUrl
    kafka_bootstrap: KafkaBootstrap
    topic: KafkaTopic
    partitions: KafkaPartitions
    command_database_url: CommandDatabaseUrl
    query_database_url: QueryDatabaseUrl
    log_level: LogLevel
    log_format: LogFormat

    def external_databases(self) -> tuple[str | None, str | None]:
        """The database URLs set in the environment; None where the embedded one serves."""
        given = self.model_fields_set
        return (
            self.command_database_url if "command_database_url" in given else None,
            self.query_database_url if "query_database_url" in given else None,
        )


class ToolSettings(FleetSettings):
    """What `fleetledger token` and `fleetledger simulate` read."""

    command_url: CommandUrl
    state_dir: StateDir
    admin_email: str = var(
        "FLEET_ADMIN_EMAIL",
        "",
        "Admin the tools sign in as; unset: the admin in `credentials.json` of "
        "`FLEET_STATE_DIR` (written by `make run`).",
    )
    admin_password: str = var("FLEET_ADMIN_PASSWORD", "", "Password of `FLEET_ADMIN_EMAIL`.")

    @property
    def credentials_file(self) -> Path:
        return self.state_dir / CREDENTIALS_FILE

    def admin(self) -> Credentials | None:
        """The configured admin, else the launcher's."""
        return credentials_from(
            self.admin_email, self.admin_password, self.credentials_file, "admin"
        )
