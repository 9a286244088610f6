"""Settings of the built-in sandbox payment provider that its clients share."""

from __future__ import annotations

from typing import Annotated

from shared.kit.settings import var

SandboxUrl = Annotated[
    str,
    var(
        "FLEET_SANDBOX_URL",
        "http://127.0.0.1:8002",
        "Base URL of the sandbox payment provider ([docs/sandbox-provider.md]"
        "(docs/sandbox-provider.md)).",
    ),
]
SandboxWebhookSecret = Annotated[
    str,
    var(
        "FLEET_SANDBOX_WEBHOOK_SECRET",
        "",
        "Shared secret of the sandbox provider's webhook signatures; `make run` generates "
        "one into `sandbox.json` of `FLEET_STATE_DIR`.",
    ),
]
