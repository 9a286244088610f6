"""The payment provider the settings choose (the only place that names the adapters)."""

from __future__ import annotations

from command_service.payments.provider import PaymentProvider
from command_service.payments.sandbox import SandboxProvider
from command_service.payments.settings import PaymentSettings
from command_service.payments.stripe_provider import StripeProvider


def provider_from_settings(settings: PaymentSettings) -> PaymentProvider:
    """The configured adapter; close it with `aclose()` at shutdown.

    Raises ValueError when `stripe` is chosen without its API key and webhook secret."""
    if settings.provider == "stripe":
        api_key, webhook_secret = settings.stripe_secrets()
        return StripeProvider(
            api_key,
            webhook_secret,
            base_url=settings.stripe_base_url,
            timeout_s=settings.timeout_s,
        )
    return SandboxProvider(
        settings.sandbox_url, settings.sandbox_webhook_secret, timeout_s=settings.timeout_s
    )
