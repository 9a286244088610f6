"""The Stripe adapter: PaymentIntents with manual capture, through the official SDK.

Tested at its HTTP boundary against a local recording server; NOT yet verified against
live Stripe (docs/payments.md#providers).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator, Mapping
from datetime import UTC, datetime
from typing import Any

import stripe

from command_service.payments.provider import (
    Authorization,
    BadSignatureError,
    Capture,
    EventKind,
    InvalidWebhookError,
    PaymentDeclinedError,
    ProviderEvent,
    ProviderRejectedError,
    ProviderUnavailableError,
    Refund,
    StaleWebhookError,
    Void,
    header,
)

TOLERANCE_S = 300
# What reading a signed body that is no Stripe event raises (in the SDK or below).
_UNREADABLE = (ValueError, KeyError, AttributeError, TypeError)
# Stripe's event types the port acts on; any other type is EventKind.OTHER.
EVENT_KINDS = {
    "payment_intent.amount_capturable_updated": EventKind.AUTHORIZED,
    "payment_intent.payment_failed": EventKind.DECLINED,
    "payment_intent.succeeded": EventKind.CAPTURED,
    "payment_intent.canceled": EventKind.VOIDED,
    "refund.created": EventKind.REFUNDED,
}


@contextlib.asynccontextmanager
async def _mapped_errors() -> AsyncIterator[None]:
    """Stripe's errors as the port's: a decline, retryable unavailability, or a rejection."""
    try:
        yield
    except stripe.CardError as exc:
        intent = exc.error.payment_intent if exc.error else None
        reason = (exc.error.decline_code if exc.error else None) or exc.code or "card_declined"
        raise PaymentDeclinedError(reason, intent.id if intent else None) from exc
    except (stripe.APIConnectionError, stripe.APIError, stripe.RateLimitError) as exc:
        # APIError is a 5xx or a 409 (an idempotent request still in flight): both retryable.
        raise ProviderUnavailableError(f"stripe: {type(exc).__name__}: {exc.user_message}") from exc
    except stripe.StripeError as exc:
        raise ProviderRejectedError(f"stripe: {type(exc).__name__}: {exc.user_message}") from exc


class _HTTPXClient(stripe.HTTPXClient):
    """The SDK's httpx client, sending the encoded form as `content`: httpx 0.28 deprecates
    raw text as `data`, which the SDK 16.1 still passes."""

    def _get_request_args_kwargs(self, *args: Any, **kwargs: Any) -> Any:
        positional, named = super()._get_request_args_kwargs(*args, **kwargs)
        named["content"] = named.pop("data") or None
        return [positional, named]


def _currency(code: str) -> str:
    return code.upper()


class StripeProvider:
    """The PaymentProvider port on Stripe (one StripeClient, async over httpx)."""

    name = "stripe"

    def __init__(
        self, api_key: str, webhook_secret: str, *, base_url: str = "", timeout_s: float = 10.0
    ) -> None:
        self._http = _HTTPXClient(timeout=timeout_s)
        self._client = stripe.StripeClient(
            api_key,
            base_addresses={"api": base_url} if base_url else None,
            # Retries belong to the process manager, which keeps the idempotency key.
            max_network_retries=0,
            http_client=self._http,
        )
        self._webhook_secret = webhook_secret

    def __repr__(self) -> str:
        return "StripeProvider()"  # never the key or the secret

    async def authorize(
        self,
        amount_cents: int,
        currency: str,
        card_token: str,
        reference: str,
        idempotency_key: str,
    ) -> Authorization:
        """Create and confirm a PaymentIntent with manual capture on the PaymentMethod token."""
        async with _mapped_errors():
            intent = await self._client.v1.payment_intents.create_async(
                {
                    "amount": amount_cents,
                    "currency": currency.lower(),
                    "payment_method": card_token,
                    # Confirmed server-side: no redirect-based method, so no return_url.
                    "automatic_payment_methods": {"enabled": True, "allow_redirects": "never"},
                    "capture_method": "manual",
                    "confirm": True,
                    "metadata": {"reference": reference},
                },
                {"idempotency_key": idempotency_key},
            )
        return _authorization(intent)

    async def capture(
        self, authorization_id: str, amount_cents: int, idempotency_key: str
    ) -> Capture:
        """Capture part or all of the PaymentIntent; Stripe releases the rest."""
        async with _mapped_errors():
            intent = await self._client.v1.payment_intents.capture_async(
                authorization_id,
                {"amount_to_capture": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        charge = intent.latest_charge
        return Capture(
            authorization_id=intent.id,
            capture_id=charge if isinstance(charge, str) else charge.id if charge else intent.id,
            captured_cents=intent.amount_received,
            released_cents=intent.amount - intent.amount_received,
            currency=_currency(intent.currency),
        )

    async def void(self, authorization_id: str, idempotency_key: str) -> Void:
        """Cancel the uncaptured PaymentIntent."""
        async with _mapped_errors():
            intent = await self._client.v1.payment_intents.cancel_async(
                authorization_id, None, {"idempotency_key": idempotency_key}
            )
        return Void(intent.id, released_cents=intent.amount, currency=_currency(intent.currency))

    async def refund(
        self, authorization_id: str, amount_cents: int, idempotency_key: str
    ) -> Refund:
        """Refund part of what the PaymentIntent captured."""
        async with _mapped_errors():
            refund = await self._client.v1.refunds.create_async(
                {"payment_intent": authorization_id, "amount": amount_cents},
                {"idempotency_key": idempotency_key},
            )
        if refund.status not in ("succeeded", "pending"):
            raise ProviderRejectedError(f"stripe: refund {refund.id} is {refund.status}")
        return Refund(
            authorization_id=authorization_id,
            refund_id=refund.id,
            amount_cents=refund.amount,
            currency=_currency(refund.currency),
            status="succeeded" if refund.status == "succeeded" else "pending",
        )

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ProviderEvent:
        """The event of a Stripe webhook, its Stripe-Signature verified by the SDK."""
        signature = header(headers, "Stripe-Signature")
        try:
            # The SDK checks the HMAC; staleness is checked below against `now`, not the clock.
            event = self._client.construct_event(body, signature, self._webhook_secret, 0)
        except stripe.SignatureVerificationError as exc:
            raise BadSignatureError(f"stripe webhook: {exc.user_message}") from exc
        except _UNREADABLE as exc:
            raise InvalidWebhookError(
                "stripe webhook: the signed body is not a Stripe event"
            ) from exc
        signed_at = _signed_at(signature or "")
        if signed_at < now.timestamp() - TOLERANCE_S:
            raise StaleWebhookError(
                f"stripe webhook signed {int(now.timestamp() - signed_at)} s ago"
            )
        try:
            return _provider_event(event)
        except _UNREADABLE as exc:
            raise InvalidWebhookError(
                "stripe webhook: the event lacks a field the port reads"
            ) from exc

    async def aclose(self) -> None:
        """Close the SDK's httpx client."""
        await self._http.close_async()  # type: ignore[no-untyped-call]


def _authorization(intent: stripe.PaymentIntent) -> Authorization:
    """The port's answer to a confirmed manual-capture PaymentIntent."""
    currency = _currency(intent.currency)
    if intent.status == "requires_capture":
        return Authorization(intent.id, "authorized", intent.amount_capturable, currency)
    if intent.status == "processing":
        return Authorization(intent.id, "pending", intent.amount, currency)
    if intent.status in ("requires_action", "requires_payment_method"):
        # 3-D Secure needs the customer's browser, which this integration does not drive yet.
        reason = "authentication_required" if intent.status == "requires_action" else "declined"
        raise PaymentDeclinedError(reason, intent.id)
    raise ProviderRejectedError(f"stripe: payment intent {intent.id} is {intent.status}")


def _signed_at(signature: str) -> int:
    """The `t=` of a Stripe-Signature header the SDK has already accepted."""
    fields = dict(item.split("=", 1) for item in signature.split(",") if "=" in item)
    return int(fields["t"])


def _provider_event(event: stripe.Event) -> ProviderEvent:
    """A Stripe event in the port's words (amounts of the object it is about)."""
    kind = EVENT_KINDS.get(event.type, EventKind.OTHER)
    obj = event.data.object.to_dict()
    intent = obj.get("payment_intent") if event.type.startswith("refund.") else obj.get("id")
    amount = {
        EventKind.AUTHORIZED: "amount_capturable",
        EventKind.CAPTURED: "amount_received",
    }.get(kind, "amount")
    currency = obj.get("currency")
    return ProviderEvent(
        event_id=event.id,
        kind=kind,
        provider_type=event.type,
        authorization_id=intent if isinstance(intent, str) and kind != EventKind.OTHER else None,
        amount_cents=obj.get(amount) if kind != EventKind.OTHER else None,
        currency=currency.upper() if isinstance(currency, str) else None,
        occurred_at=datetime.fromtimestamp(event.created, UTC),
    )
