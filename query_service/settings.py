"""Query service settings, all overridable from the environment."""

from __future__ import annotations

from dataclasses import dataclass

from shared.kit.auth.client import Credentials
from shared.kit.settings import check_modes, env_bool, env_int, env_str

DEFAULT_DATABASE_URL = "postgresql://postgres@127.0.0.1:54329/fleet_query"


@dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    kafka_bootstrap: str = "127.0.0.1:19092"
    topic: str = "fleet.vehicle-events"
    group_id: str = "fleet-query"
    command_url: str = "http://127.0.0.1:8000"
    # The machine account that reads the command service's event feed when healing.
    service_email: str = ""
    service_password: str = ""
    pool_min: int = 2
    pool_max: int = 16
    heal_interval_s: float = 5.0
    # The feed healer leaves events younger than this to the topic (docs/pipeline.md).
    heal_grace_s: float = 15.0
    # After a consumer error or a forgotten group, reread the topic from offset 0: the
    # embedded broker may have lost topic and offsets. Off for a Kafka cluster, whose
    # committed offsets survive and whose topic is not a bounded window.
    reread_after_error: bool = True
    # The embedded broker answers a fetch only after the full wait when no data is
    # there yet: keep it short so a new record is seen within tens of milliseconds.
    fetch_max_wait_ms: int = 50
    log_level: str = "INFO"
    max_body_bytes: int = 1024 * 1024
    consume: bool = True
    environment: str = "production"  # FLEET_ENV: production | dev | demo
    clock: str = "system"  # FLEET_CLOCK: simulated follows the command service's dev clock

    def __post_init__(self) -> None:
        check_modes(self.environment, self.clock)

    @property
    def simulated_clock(self) -> bool:
        return self.clock == "simulated"

    def service_credentials(self) -> Credentials | None:
        """The feed reader's account, when configured."""
        if not (self.service_email and self.service_password):
            return None
        return Credentials(self.service_email, self.service_password)

    @classmethod
    def from_env(cls) -> Settings:
        return cls(
            database_url=env_str("FLEET_QUERY_DATABASE_URL", DEFAULT_DATABASE_URL),
            kafka_bootstrap=env_str("FLEET_KAFKA_BOOTSTRAP", "127.0.0.1:19092"),
            topic=env_str("FLEET_KAFKA_TOPIC", "fleet.vehicle-events"),
            group_id=env_str("FLEET_QUERY_GROUP", "fleet-query"),
            command_url=env_str("FLEET_COMMAND_URL", "http://127.0.0.1:8000"),
            service_email=env_str("FLEET_SERVICE_ACCOUNT_EMAIL", ""),
            service_password=env_str("FLEET_SERVICE_ACCOUNT_PASSWORD", ""),
            pool_min=env_int("FLEET_QUERY_POOL_MIN", 2),
            pool_max=env_int("FLEET_QUERY_POOL_MAX", 16),
            heal_interval_s=env_int("FLEET_QUERY_HEAL_INTERVAL_MS", 5000) / 1000,
            heal_grace_s=env_int("FLEET_QUERY_HEAL_GRACE_MS", 15000) / 1000,
            reread_after_error=env_bool("FLEET_QUERY_REREAD_AFTER_ERROR", True),
            fetch_max_wait_ms=env_int("FLEET_QUERY_FETCH_MAX_WAIT_MS", 50),
            log_level=env_str("FLEET_LOG_LEVEL", "INFO"),
            consume=env_str("FLEET_QUERY_CONSUME", "true").lower() in ("1", "true", "yes"),
            environment=env_str("FLEET_ENV", "production").strip().lower(),
            clock=env_str("FLEET_CLOCK", "system").strip().lower(),
        )
