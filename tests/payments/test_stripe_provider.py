"""The Stripe adapter at its HTTP boundary: the exact requests it sends to a recording
server standing in for api.stripe.com, and how it reads the answers and errors."""

from __future__ import annotations

import pytest

from command_service.payments.provider import (
    Authorization,
    Capture,
    PaymentDeclinedError,
    ProviderRejectedError,
    ProviderUnavailableError,
    Refund,
    Void,
)
from command_service.payments.stripe_provider import StripeProvider
from tests.payments import stripe_shapes as shapes
from tests.payments.recording_server import RecordingServer

KEY = "fleet:7d4f2c1e-0000-4000-8000-000000000001:authorize"


async def authorize(provider: StripeProvider, key: str = KEY) -> Authorization:
    return await provider.authorize(12_000, "EUR", "pm_card_visa", "pay-1", key)


async def test_authorize_creates_a_confirmed_manual_capture_payment_intent(
    stripe_provider: StripeProvider, recorder: RecordingServer, stripe_secrets: tuple[str, str]
) -> None:
    recorder.answer(200, shapes.payment_intent("requires_capture"))

    result = await authorize(stripe_provider)

    assert result == Authorization("pi_3Test", "authorized", 12_000, "EUR")
    [sent] = recorder.requests
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents")
    assert sent.form == {
        "amount": "12000",
        "currency": "eur",
        "payment_method": "pm_card_visa",
        "capture_method": "manual",
        "confirm": "true",
        "automatic_payment_methods[enabled]": "true",
        "automatic_payment_methods[allow_redirects]": "never",
        "metadata[reference]": "pay-1",
    }
    assert sent.header("Idempotency-Key") == KEY
    assert sent.header("Authorization") == f"Bearer {stripe_secrets[0]}"
    assert sent.header("Content-Type") == "application/x-www-form-urlencoded"


async def test_a_processing_payment_intent_is_a_pending_authorization(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.payment_intent("processing"))

    assert await authorize(stripe_provider) == Authorization("pi_3Test", "pending", 12_000, "EUR")


async def test_a_card_error_is_a_decline_with_the_issuers_reason_and_the_intent(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(
        402,
        shapes.error(
            "card_error",
            "Your card has insufficient funds.",
            code="card_declined",
            decline_code="insufficient_funds",
            payment_intent=shapes.payment_intent("requires_payment_method"),
        ),
    )

    with pytest.raises(PaymentDeclinedError) as declined:
        await authorize(stripe_provider)

    assert (declined.value.reason, declined.value.authorization_id) == (
        "insufficient_funds",
        "pi_3Test",
    )


async def test_a_card_needing_3d_secure_is_declined_as_authentication_required(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.payment_intent("requires_action"))

    with pytest.raises(PaymentDeclinedError) as declined:
        await authorize(stripe_provider)

    assert declined.value.reason == "authentication_required"


async def test_capture_takes_part_and_stripe_releases_the_rest(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.payment_intent("succeeded", received=9_500))

    result = await stripe_provider.capture("pi_3Test", 9_500, "fleet:e2:capture")

    assert result == Capture("pi_3Test", "ch_3Test", 9_500, 2_500, "EUR")
    [sent] = recorder.requests
    assert (sent.method, sent.path) == ("POST", "/v1/payment_intents/pi_3Test/capture")
    assert sent.form == {"amount_to_capture": "9500"}
    assert sent.header("Idempotency-Key") == "fleet:e2:capture"


async def test_void_cancels_the_payment_intent(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.payment_intent("canceled", cancellation_reason="abandoned"))

    result = await stripe_provider.void("pi_3Test", "fleet:e3:void")

    assert result == Void("pi_3Test", 12_000, "EUR")
    [sent] = recorder.requests
    assert (sent.method, sent.path, sent.form) == (
        "POST",
        "/v1/payment_intents/pi_3Test/cancel",
        {},
    )
    assert sent.header("Idempotency-Key") == "fleet:e3:void"


async def test_refund_creates_a_refund_on_the_payment_intent(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.refund(3_000, status="pending"))

    result = await stripe_provider.refund("pi_3Test", 3_000, "fleet:e4:refund")

    assert result == Refund("pi_3Test", "re_3Test", 3_000, "EUR", "pending")
    [sent] = recorder.requests
    assert (sent.method, sent.path) == ("POST", "/v1/refunds")
    assert sent.form == {"payment_intent": "pi_3Test", "amount": "3000"}
    assert sent.header("Idempotency-Key") == "fleet:e4:refund"


async def test_a_failed_refund_is_rejected(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.refund(3_000, status="failed"))

    with pytest.raises(ProviderRejectedError, match="re_3Test is failed"):
        await stripe_provider.refund("pi_3Test", 3_000, "fleet:e4:refund")


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (500, shapes.error("api_error", "Something went wrong on Stripe's end.")),
        (503, shapes.error("api_error", "Service unavailable.")),
        (429, shapes.error("invalid_request_error", "Too many requests.", code="rate_limit")),
        (409, shapes.error("invalid_request_error", "Request in flight.", code="lock_timeout")),
    ],
)
async def test_5xx_409_and_429_are_unavailable_and_the_sdk_does_not_retry_them(
    stripe_provider: StripeProvider, recorder: RecordingServer, status: int, body: dict[str, object]
) -> None:
    recorder.answer(status, body)

    with pytest.raises(ProviderUnavailableError):
        await authorize(stripe_provider)

    assert len(recorder.requests) == 1  # the process manager retries, with the same key


@pytest.mark.parametrize(
    ("status", "body"),
    [
        (400, shapes.error("invalid_request_error", "No such payment_method.", param="pm")),
        (404, shapes.error("invalid_request_error", "No such payment_intent: 'pi_x'")),
        (401, shapes.error("invalid_request_error", "Invalid API Key provided.")),
        (403, shapes.error("invalid_request_error", "The key lacks a permission.")),
        (400, shapes.error("idempotency_error", "Keys for idempotent requests can only …")),
    ],
)
async def test_other_4xx_are_rejections_not_declines(
    stripe_provider: StripeProvider, recorder: RecordingServer, status: int, body: dict[str, object]
) -> None:
    recorder.answer(status, body)

    with pytest.raises(ProviderRejectedError):
        await authorize(stripe_provider)


async def test_a_timeout_is_unavailable_and_the_retry_sends_the_same_request_and_key(
    stripe_provider: StripeProvider, recorder: RecordingServer
) -> None:
    recorder.answer(200, shapes.payment_intent(), delay_s=3.0)  # past the 1.5 s timeout
    recorder.answer(200, shapes.payment_intent())

    with pytest.raises(ProviderUnavailableError):
        await authorize(stripe_provider)
    result = await authorize(stripe_provider)

    first, retry = recorder.requests
    assert retry.form == first.form
    assert retry.header("Idempotency-Key") == first.header("Idempotency-Key") == KEY
    assert result.status == "authorized"


async def test_a_refused_connection_is_unavailable(stripe_secrets: tuple[str, str]) -> None:
    from deploy.postgres import free_port

    provider = StripeProvider(*stripe_secrets, base_url=f"http://127.0.0.1:{free_port()}")
    try:
        with pytest.raises(ProviderUnavailableError):
            await authorize(provider)
    finally:
        await provider.aclose()


def test_the_adapter_never_shows_its_secrets(stripe_secrets: tuple[str, str]) -> None:
    provider = StripeProvider(*stripe_secrets)

    assert all(secret not in repr(provider) for secret in stripe_secrets)
