"""Payment provider settings: which provider the command service calls, and its secrets."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BeforeValidator

from shared.kit.settings import FleetSettings, var
from shared.payments.settings import SandboxUrl, SandboxWebhookSecret


def _lowercase(value: object) -> object:
    return value.strip().lower() if isinstance(value, str) else value


class PaymentSettings(FleetSettings):
    """Part of the command service's settings (FLEET_PAYMENT_*, FLEET_SANDBOX_*, FLEET_STRIPE_*)."""

    provider: Annotated[
        Literal["sandbox", "stripe"],
        BeforeValidator(_lowercase),
        var(
            "FLEET_PAYMENT_PROVIDER",
            "sandbox",
            "Payment provider: `sandbox` (the built-in one) or `stripe` (not yet verified "
            "against live Stripe; [docs/payments.md](docs/payments.md#providers)).",
        ),
    ]
    timeout_s: float = var(
        "FLEET_PAYMENT_TIMEOUT_S",
        10.0,
        "Seconds a payment provider call may take before it counts as unavailable (and is "
        "retried later with the same idempotency key).",
    )
    sandbox_url: SandboxUrl
    sandbox_webhook_secret: SandboxWebhookSecret  # empty: every sandbox webhook is refused
    stripe_api_key: str = var(
        "FLEET_STRIPE_API_KEY", "", "Stripe secret key (required with `stripe`)."
    )
    stripe_webhook_secret: str = var(
        "FLEET_STRIPE_WEBHOOK_SECRET",
        "",
        "Signing secret of the Stripe webhook endpoint (required with `stripe`).",
    )
    stripe_base_url: str = var(
        "FLEET_STRIPE_BASE_URL",
        "",
        "Stripe API base URL; empty: Stripe's own (tests point it at a local server).",
    )

    def stripe_secrets(self) -> tuple[str, str]:
        """The Stripe API key and webhook secret; both are required with `stripe`."""
        if not (self.stripe_api_key and self.stripe_webhook_secret):
            raise ValueError(
                "FLEET_PAYMENT_PROVIDER=stripe needs FLEET_STRIPE_API_KEY and "
                "FLEET_STRIPE_WEBHOOK_SECRET"
            )
        return self.stripe_api_key, self.stripe_webhook_secret
