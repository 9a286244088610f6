"""The sandbox payment provider as a launcher child: its webhook secret and its start.

The secret is generated on the first run and kept in `sandbox.json` of the state dir
(owner-only, like `credentials.json`), so events still in the provider's outbox verify
after a restart; the command service gets it in its environment.
"""

from __future__ import annotations

import json
import secrets
from dataclasses import dataclass
from functools import partial
from pathlib import Path

from deploy import services
from deploy.accounts import save_private
from deploy.supervisor import Component, Supervisor
from sandbox_provider.settings import SandboxSettings

SANDBOX_FILE = "sandbox.json"
WEBHOOK_PATH = "/v1/payments/webhooks/sandbox"


def webhook_secret(state_dir: Path) -> str:
    """The secret saved in `state_dir`, else a new one, saved."""
    path = state_dir / SANDBOX_FILE
    if path.exists():
        return str(json.loads(path.read_text())["webhook_secret"])
    secret = secrets.token_hex(32)
    state_dir.mkdir(parents=True, exist_ok=True)
    save_private(path, {"webhook_secret": secret})
    return secret


class LaunchedSandboxSettings(SandboxSettings):
    """The provider's settings as the launcher completes them (it supplies the secret),
    checked before anything starts."""

    def __init__(self) -> None:
        super().__init__(webhook_secret="supplied by the launcher")


@dataclass(frozen=True)
class Sandbox:
    """Where the provider listens and how its webhooks are signed."""

    port: int
    secret: str

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command_env(self) -> dict[str, str]:
        """What the command service needs to call the provider and verify its webhooks."""
        return {"FLEET_SANDBOX_URL": self.url, "FLEET_SANDBOX_WEBHOOK_SECRET": self.secret}


def start_sandbox(supervisor: Supervisor, state_dir: Path, port: int, webhook_url: str) -> Sandbox:
    """Start the provider (one worker, its state under `state_dir`) as a supervised child."""
    sandbox = Sandbox(port, webhook_secret(state_dir))
    env = {
        "FLEET_STATE_DIR": str(state_dir),
        "FLEET_SANDBOX_WEBHOOK_URL": webhook_url,
        "FLEET_SANDBOX_WEBHOOK_SECRET": sandbox.secret,
    }
    # One worker: the provider writes its SQLite file from one thread of one process.
    start = partial(
        services.start_ready, services.SANDBOX_APP, port, 1, env, state_dir, supervisor.stopping
    )
    alive = partial(services.answers, f"{sandbox.url}/healthz")
    supervisor.add(Component("sandbox", start, services.stop, alive))
    return sandbox
