"""Fixtures of the payment provider tests: a recording server and the Stripe adapter on it."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator

import pytest
import pytest_asyncio

from command_service.payments.stripe_provider import StripeProvider
from tests.payments.recording_server import RecordingServer, serving


@pytest.fixture
def recorder() -> Iterator[RecordingServer]:
    with serving() as server:
        yield server


@pytest.fixture
def stripe_secrets() -> tuple[str, str]:
    """An API key and an endpoint secret made up for this test (never real ones)."""
    return f"sk_test_{secrets.token_hex(12)}", f"whsec_{secrets.token_hex(16)}"


@pytest_asyncio.fixture
async def stripe_provider(
    recorder: RecordingServer, stripe_secrets: tuple[str, str]
) -> AsyncIterator[StripeProvider]:
    api_key, webhook_secret = stripe_secrets
    provider = StripeProvider(api_key, webhook_secret, base_url=recorder.url, timeout_s=1.5)
    yield provider
    await provider.aclose()
