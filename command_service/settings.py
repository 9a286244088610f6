"""Command service settings, all overridable from the environment."""

from __future__ import annotations

from dataclasses import dataclass, field

from command_service.identity.settings import IdentitySettings
from command_service.topic_keeper import Retention
from shared.kit.settings import check_modes, env_bool, env_int, env_str

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:54329/fleet_command"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    pool_min: int = 4
    pool_max: int = 16
    migrate_on_start: bool = True
    sweeper_interval_s: float = 5.0
    max_body_bytes: int = 1024 * 1024
    max_attempts: int = 20
    log_level: str = "INFO"
    kafka_bootstrap: str = ""  # empty: no relay (the event store still accepts commands)
    topic: str = "fleet.vehicle-events"
    partitions: int = 12
    relay_batch: int = 1000
    relay_poll_interval_s: float = 1.0
    retention: Retention = field(default_factory=Retention)
    environment: str = "production"  # FLEET_ENV: production | dev | demo
    clock: str = "system"  # FLEET_CLOCK: system | simulated (dev/demo only)
    identity: IdentitySettings = field(default_factory=IdentitySettings)

    def __post_init__(self) -> None:
        check_modes(self.environment, self.clock)

    @property
    def simulated_clock(self) -> bool:
        return self.clock == "simulated"

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=env_str("FLEET_COMMAND_DATABASE_URL", DEFAULT_DATABASE_URL),
            pool_min=env_int("FLEET_COMMAND_POOL_MIN", 4),
            pool_max=env_int("FLEET_COMMAND_POOL_MAX", 16),
            migrate_on_start=env_bool("FLEET_MIGRATE_ON_START", True),
            sweeper_interval_s=float(env_int("FLEET_SWEEPER_INTERVAL_MS", 5000)) / 1000,
            max_body_bytes=env_int("FLEET_MAX_BODY_BYTES", 1024 * 1024),
            max_attempts=env_int("FLEET_COMMAND_MAX_ATTEMPTS", 20),
            log_level=env_str("FLEET_LOG_LEVEL", "INFO"),
            kafka_bootstrap=env_str("FLEET_KAFKA_BOOTSTRAP", ""),
            topic=env_str("FLEET_KAFKA_TOPIC", "fleet.vehicle-events"),
            partitions=env_int("FLEET_KAFKA_PARTITIONS", 12),
            relay_batch=env_int("FLEET_RELAY_BATCH", 1000),
            relay_poll_interval_s=env_int("FLEET_RELAY_POLL_MS", 1000) / 1000,
            retention=Retention(
                retain_events=env_int("FLEET_KAFKA_RETAIN_EVENTS", Retention.retain_events),
                max_events=env_int("FLEET_KAFKA_MAX_EVENTS", Retention.max_events),
            ),
            environment=env_str("FLEET_ENV", "production").strip().lower(),
            clock=env_str("FLEET_CLOCK", "system").strip().lower(),
            identity=IdentitySettings.from_env(),
        )
