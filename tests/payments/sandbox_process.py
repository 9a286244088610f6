"""The real sandbox provider process for the adapter's tests, its webhooks caught locally."""

from __future__ import annotations

import contextlib
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx

from deploy import services
from deploy.postgres import free_port
from tests.payments.recording_server import Answer, RecordingServer, serving

WEBHOOK_PATH = "/v1/payments/webhooks/sandbox"


@dataclass(frozen=True)
class Sandbox:
    """A running sandbox provider: its URL, signing secret, and where its webhooks land."""

    url: str
    secret: str
    webhooks: RecordingServer

    def set_faults(self, **switches: float | bool) -> None:
        """PUT /v1/test/faults (down_for_s, delay_ms, webhooks_paused); unset ones go off."""
        httpx.put(f"{self.url}/v1/test/faults", json=switches, timeout=5).raise_for_status()

    def ledger(self, **only: str) -> list[dict[str, object]]:
        """The provider's ledger entries (of a `reference` or an `authorization_id`), in order."""
        answer = httpx.get(f"{self.url}/v1/ledger", params=only, timeout=5)
        entries: list[dict[str, object]] = answer.raise_for_status().json()["entries"]
        return entries


@contextlib.contextmanager
def running_sandbox(state_dir: Path) -> Iterator[Sandbox]:
    """The sandbox provider (seeded, test hooks on, quick `tok_slow` and retries) on a free
    loopback port, posting its webhooks to a recording server that answers 200."""
    with serving() as webhooks:
        webhooks.otherwise = Answer(200, {})
        secret, port = secrets.token_hex(32), free_port()
        env = {
            "FLEET_STATE_DIR": str(state_dir),
            "FLEET_SANDBOX_SEED": "payport-tests",
            "FLEET_SANDBOX_WEBHOOK_URL": f"{webhooks.url}{WEBHOOK_PATH}",
            "FLEET_SANDBOX_WEBHOOK_SECRET": secret,
            "FLEET_SANDBOX_TEST_HOOKS": "true",
            "FLEET_SANDBOX_SLOW_MIN_MS": "200",
            "FLEET_SANDBOX_SLOW_MAX_MS": "400",
            "FLEET_SANDBOX_WEBHOOK_RETRY_FIRST_MS": "100",
        }
        proc = services.start_ready(services.SANDBOX_APP, port, 1, env, state_dir, timeout_s=60)
        try:
            yield Sandbox(f"http://127.0.0.1:{port}", secret, webhooks)
        finally:
            services.stop(proc)
