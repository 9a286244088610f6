"""Choosing the provider is configuration only: FLEET_PAYMENT_PROVIDER and its secrets."""

from __future__ import annotations

import secrets

import pytest

from command_service.payments.factory import provider_from_settings
from command_service.payments.sandbox import SandboxProvider
from command_service.payments.settings import PaymentSettings
from command_service.payments.stripe_provider import StripeProvider
from command_service.settings import Settings


def test_the_sandbox_is_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("FLEET_PAYMENT_PROVIDER", raising=False)

    assert PaymentSettings().provider == "sandbox"


async def test_sandbox_settings_make_a_sandbox_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_PAYMENT_PROVIDER", "sandbox")
    monkeypatch.setenv("FLEET_SANDBOX_URL", "http://127.0.0.1:18002")
    monkeypatch.setenv("FLEET_SANDBOX_WEBHOOK_SECRET", secrets.token_hex(32))

    provider = provider_from_settings(Settings().payments)
    try:
        assert isinstance(provider, SandboxProvider)
        assert provider.name == "sandbox"
    finally:
        await provider.aclose()


async def test_stripe_settings_make_a_stripe_provider(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_PAYMENT_PROVIDER", "Stripe")
    monkeypatch.setenv("FLEET_STRIPE_API_KEY", f"sk_test_{secrets.token_hex(12)}")
    monkeypatch.setenv("FLEET_STRIPE_WEBHOOK_SECRET", f"whsec_{secrets.token_hex(16)}")

    provider = provider_from_settings(PaymentSettings())
    try:
        assert isinstance(provider, StripeProvider)
        assert provider.name == "stripe"
    finally:
        await provider.aclose()


@pytest.mark.parametrize("missing", ["FLEET_STRIPE_API_KEY", "FLEET_STRIPE_WEBHOOK_SECRET"])
def test_stripe_without_its_secrets_refuses_to_start(
    monkeypatch: pytest.MonkeyPatch, missing: str
) -> None:
    monkeypatch.setenv("FLEET_PAYMENT_PROVIDER", "stripe")
    monkeypatch.setenv("FLEET_STRIPE_API_KEY", f"sk_test_{secrets.token_hex(12)}")
    monkeypatch.setenv("FLEET_STRIPE_WEBHOOK_SECRET", f"whsec_{secrets.token_hex(16)}")
    monkeypatch.delenv(missing)

    with pytest.raises(ValueError, match=missing):
        provider_from_settings(PaymentSettings())


def test_an_unknown_provider_is_a_configuration_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("FLEET_PAYMENT_PROVIDER", "paypal")

    with pytest.raises(ValueError, match="FLEET_PAYMENT_PROVIDER"):
        PaymentSettings()


def test_secrets_never_show_in_the_settings_repr(monkeypatch: pytest.MonkeyPatch) -> None:
    values = {
        "FLEET_STRIPE_API_KEY": f"sk_test_{secrets.token_hex(12)}",
        "FLEET_STRIPE_WEBHOOK_SECRET": f"whsec_{secrets.token_hex(16)}",
        "FLEET_SANDBOX_WEBHOOK_SECRET": secrets.token_hex(32),
    }
    for name, value in values.items():
        monkeypatch.setenv(name, value)

    shown = repr(Settings())

    assert "stripe_base_url" in shown
    assert not any(value in shown for value in values.values())
