"""What the sandbox provider reads: FLEET_SANDBOX_* (and the shared state dir, logs)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

from shared.kit.settings import (
    FleetSettings,
    LogFormat,
    LogLevel,
    StateDir,
    UnsafeSettingsError,
    var,
)
from shared.payments.settings import SandboxWebhookSecret

SandboxWebhookUrl = Annotated[
    str,
    var(
        "FLEET_SANDBOX_WEBHOOK_URL",
        "",
        "Where the sandbox provider POSTs its webhooks. Sandbox: empty keeps events in its "
        "outbox; launcher: empty means the command service's `/v1/payments/webhooks/sandbox`.",
    ),
]


class SandboxSettings(FleetSettings):
    """The sandbox provider process (sandbox_provider.app)."""

    state_dir: StateDir
    seed: str = var(
        "FLEET_SANDBOX_SEED",
        "",
        "Seed of the sandbox provider's ids and delays (same seed, same requests: same "
        "ids and ledger); empty: a random seed, kept in its state.",
    )
    webhook_url: SandboxWebhookUrl
    webhook_secret: SandboxWebhookSecret
    retry_first_ms: int = var(
        "FLEET_SANDBOX_WEBHOOK_RETRY_FIRST_MS", 1000, "First webhook retry delay; doubles."
    )
    retry_max_ms: int = var(
        "FLEET_SANDBOX_WEBHOOK_RETRY_MAX_MS", 60_000, "Longest delay between webhook retries."
    )
    max_attempts: int = var(
        "FLEET_SANDBOX_WEBHOOK_MAX_ATTEMPTS",
        20,
        "Webhook deliveries tried before an event is given up (it stays in the outbox).",
    )
    delivery_timeout_ms: int = var(
        "FLEET_SANDBOX_WEBHOOK_TIMEOUT_MS", 5000, "Timeout of one webhook delivery."
    )
    slow_min_ms: int = var(
        "FLEET_SANDBOX_SLOW_MIN_MS", 2000, "Shortest time `tok_slow` stays pending."
    )
    slow_max_ms: int = var(
        "FLEET_SANDBOX_SLOW_MAX_MS", 5000, "Longest time `tok_slow` stays pending."
    )
    test_hooks: bool = var(
        "FLEET_SANDBOX_TEST_HOOKS",
        False,
        "`true` enables the sandbox provider's `/v1/test/*` fault switches and webhook "
        "redelivery (tests only).",
    )
    log_level: LogLevel
    log_format: LogFormat

    def __init__(self, **values: Any) -> None:
        super().__init__(**values)
        # After validation, not inside it: `load` prints these in one line, no values shown.
        if self.webhook_url and not self.webhook_url.startswith(("http://", "https://")):
            raise UnsafeSettingsError("FLEET_SANDBOX_WEBHOOK_URL must be an http(s) URL")
        if self.webhook_url and not self.webhook_secret:
            raise UnsafeSettingsError(
                "FLEET_SANDBOX_WEBHOOK_URL needs FLEET_SANDBOX_WEBHOOK_SECRET"
            )
        if not 0 <= self.slow_min_ms <= self.slow_max_ms:
            raise UnsafeSettingsError(
                "FLEET_SANDBOX_SLOW_MIN_MS must be 0 to FLEET_SANDBOX_SLOW_MAX_MS"
            )
        if self.retry_first_ms < 1 or self.retry_max_ms < 1 or self.max_attempts < 1:
            raise UnsafeSettingsError("the sandbox's webhook retry settings must be positive")

    @property
    def database(self) -> Path:
        return self.state_dir / "sandbox" / "sandbox.sqlite3"
