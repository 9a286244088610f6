"""Stripe-shaped JSON answers (the fields of the SDK's PaymentIntent, Refund, Event, error)."""

from __future__ import annotations

import hashlib
import hmac
from typing import Any

import orjson

CREATED = 1_900_000_000  # a fixed `created` (2030-03-17T17:46:40Z)


def payment_intent(
    status: str = "requires_capture", *, amount: int = 12_000, received: int = 0, **extra: Any
) -> dict[str, Any]:
    """A manual-capture PaymentIntent of `amount` cents in EUR."""
    return {
        "id": "pi_3Test",
        "object": "payment_intent",
        "amount": amount,
        "amount_capturable": amount if status == "requires_capture" else 0,
        "amount_received": received,
        "capture_method": "manual",
        "confirmation_method": "automatic",
        "created": CREATED,
        "currency": "eur",
        "latest_charge": "ch_3Test" if status != "processing" else None,
        "livemode": False,
        "metadata": {"reference": "pay-1"},
        "payment_method": "pm_card_visa",
        "status": status,
        **extra,
    }


def refund(amount: int, status: str = "succeeded") -> dict[str, Any]:
    return {
        "id": "re_3Test",
        "object": "refund",
        "amount": amount,
        "charge": "ch_3Test",
        "created": CREATED,
        "currency": "eur",
        "payment_intent": "pi_3Test",
        "status": status,
    }


def error(kind: str, message: str, **fields: Any) -> dict[str, Any]:
    """Stripe's error body: {"error": {"type", "message", …}}."""
    return {"error": {"type": kind, "message": message, **fields}}


def event(kind: str, obj: dict[str, Any], event_id: str = "evt_1Test") -> bytes:
    """A webhook body: an Event about `obj`."""
    return orjson.dumps(
        {
            "id": event_id,
            "object": "event",
            "api_version": "2025-01-27.acacia",
            "created": CREATED,
            "data": {"object": obj},
            "livemode": False,
            "pending_webhooks": 1,
            "type": kind,
        }
    )


def stripe_signature(secret: str, timestamp: int, body: bytes) -> str:
    """The Stripe-Signature header Stripe sends: HMAC-SHA256 of "t.body" with the secret."""
    digest = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256)
    return f"t={timestamp},v1={digest.hexdigest()}"
