"""Stripe webhooks: signed the Stripe way (Stripe-Signature: t=…,v1=HMAC-SHA256 of "t.body"
with the endpoint secret), verified through the SDK, read in the port's words."""

from __future__ import annotations

import secrets
from datetime import UTC, datetime

import pytest

from command_service.payments.provider import (
    BadSignatureError,
    EventKind,
    InvalidWebhookError,
    ProviderEvent,
    StaleWebhookError,
)
from command_service.payments.stripe_provider import StripeProvider
from tests.payments import stripe_shapes as shapes

SIGNED_AT = 1_900_000_100
NOW = datetime.fromtimestamp(SIGNED_AT + 10, UTC)


def signed(secret: str, body: bytes, timestamp: int = SIGNED_AT) -> dict[str, str]:
    return {"Stripe-Signature": shapes.stripe_signature(secret, timestamp, body)}


@pytest.mark.parametrize(
    ("event_type", "obj", "kind", "authorization_id", "amount"),
    [
        (
            "payment_intent.amount_capturable_updated",
            shapes.payment_intent("requires_capture"),
            EventKind.AUTHORIZED,
            "pi_3Test",
            12_000,
        ),
        (
            "payment_intent.payment_failed",
            shapes.payment_intent("requires_payment_method"),
            EventKind.DECLINED,
            "pi_3Test",
            12_000,
        ),
        (
            "payment_intent.succeeded",
            shapes.payment_intent("succeeded", received=9_000),
            EventKind.CAPTURED,
            "pi_3Test",
            9_000,
        ),
        (
            "payment_intent.canceled",
            shapes.payment_intent("canceled"),
            EventKind.VOIDED,
            "pi_3Test",
            12_000,
        ),
        ("refund.created", shapes.refund(2_500), EventKind.REFUNDED, "pi_3Test", 2_500),
    ],
)
def test_a_well_signed_event_is_read_in_the_ports_words(
    stripe_provider: StripeProvider,
    stripe_secrets: tuple[str, str],
    event_type: str,
    obj: dict[str, object],
    kind: EventKind,
    authorization_id: str,
    amount: int,
) -> None:
    body = shapes.event(event_type, obj)

    event = stripe_provider.parse_webhook(signed(stripe_secrets[1], body), body, NOW)

    assert event == ProviderEvent(
        event_id="evt_1Test",
        kind=kind,
        provider_type=event_type,
        authorization_id=authorization_id,
        amount_cents=amount,
        currency="EUR",
        occurred_at=datetime.fromtimestamp(shapes.CREATED, UTC),
    )


def test_an_event_the_port_does_not_act_on_is_other_about_nothing(
    stripe_provider: StripeProvider, stripe_secrets: tuple[str, str]
) -> None:
    body = shapes.event("customer.created", {"id": "cus_1", "object": "customer"})

    event = stripe_provider.parse_webhook(signed(stripe_secrets[1], body), body, NOW)

    assert (event.kind, event.authorization_id, event.amount_cents) == (EventKind.OTHER, None, None)


def test_the_header_is_found_whatever_its_case(
    stripe_provider: StripeProvider, stripe_secrets: tuple[str, str]
) -> None:
    body = shapes.event("payment_intent.canceled", shapes.payment_intent("canceled"))
    headers = {"stripe-signature": shapes.stripe_signature(stripe_secrets[1], SIGNED_AT, body)}

    assert stripe_provider.parse_webhook(headers, body, NOW).kind == EventKind.VOIDED


def test_a_signature_made_with_another_secret_is_refused(stripe_provider: StripeProvider) -> None:
    body = shapes.event("payment_intent.succeeded", shapes.payment_intent("succeeded"))

    with pytest.raises(BadSignatureError):
        stripe_provider.parse_webhook(signed(f"whsec_{secrets.token_hex(16)}", body), body, NOW)


def test_a_body_changed_after_signing_is_refused(
    stripe_provider: StripeProvider, stripe_secrets: tuple[str, str]
) -> None:
    body = shapes.event("refund.created", shapes.refund(2_500))
    headers = signed(stripe_secrets[1], body)

    with pytest.raises(BadSignatureError):
        stripe_provider.parse_webhook(headers, body.replace(b"2500", b"9500"), NOW)


@pytest.mark.parametrize("headers", [{}, {"Stripe-Signature": "v1=abc"}, {"Stripe-Signature": ""}])
def test_a_missing_or_malformed_signature_header_is_refused(
    stripe_provider: StripeProvider, headers: dict[str, str]
) -> None:
    body = shapes.event("payment_intent.succeeded", shapes.payment_intent("succeeded"))

    with pytest.raises(BadSignatureError):
        stripe_provider.parse_webhook(headers, body, NOW)


def test_a_signature_older_than_five_minutes_is_stale(
    stripe_provider: StripeProvider, stripe_secrets: tuple[str, str]
) -> None:
    body = shapes.event("payment_intent.succeeded", shapes.payment_intent("succeeded"))
    headers = signed(stripe_secrets[1], body)

    stripe_provider.parse_webhook(headers, body, datetime.fromtimestamp(SIGNED_AT + 300, UTC))
    with pytest.raises(StaleWebhookError):
        stripe_provider.parse_webhook(headers, body, datetime.fromtimestamp(SIGNED_AT + 301, UTC))


@pytest.mark.parametrize(
    "body", [b"not json", b"[1]", b'{"object": "event", "id": "evt_1"}'], ids=str
)
def test_a_signed_body_that_is_not_an_event_is_invalid(
    stripe_provider: StripeProvider, stripe_secrets: tuple[str, str], body: bytes
) -> None:
    with pytest.raises(InvalidWebhookError):
        stripe_provider.parse_webhook(signed(stripe_secrets[1], body), body, NOW)
