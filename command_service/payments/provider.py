"""The payment provider port: what the payment process manager asks of any provider.

Amounts are integer minor units (cents) with an ISO 4217 currency in upper case. Every
call that moves money takes an idempotency key (`idempotency_key`): the provider answers
a repeated key with the first call's result and never moves money twice for it.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Literal, Protocol
from uuid import UUID

_STEP = re.compile(r"^[a-z][a-z0-9_-]{0,39}$")


def idempotency_key(event_id: UUID | str, step: str) -> str:
    """The key of the provider call that event `event_id` causes at `step`: `fleet:<id>:<step>`.

    An event id is unique in the log and each event causes at most one call per step
    (`authorize`, `capture`, `void`, `refund`, …), so the pair names exactly one intended
    money movement. A retry, after a timeout or a crash, re-derives the same key from the
    same stored event, and the provider answers it with the first result.
    """
    if not _STEP.match(step):
        raise ValueError(f"step must be a short lowercase word, not {step!r}")
    text = str(event_id)
    if not text or ":" in text or len(text) > 100:
        raise ValueError(f"event id must be 1..100 characters without ':', not {text!r}")
    return f"fleet:{text}:{step}"


@dataclass(frozen=True)
class Authorization:
    """Money reserved on the card (`authorized`), or asked for with the answer to come by
    webhook (`pending`); a decline is `PaymentDeclinedError`, never an Authorization."""

    authorization_id: str  # the provider's id (sandbox authorization, Stripe PaymentIntent)
    status: Literal["authorized", "pending"]
    amount_cents: int
    currency: str


@dataclass(frozen=True)
class Capture:
    """Money taken from an authorization; a capture is final: the provider releases the
    uncaptured rest of the authorization (`released_cents`) with it."""

    authorization_id: str
    capture_id: str  # the provider's reference of the money movement (e.g. a Stripe charge)
    captured_cents: int
    released_cents: int
    currency: str


@dataclass(frozen=True)
class Void:
    """An authorization cancelled before any capture: all of it released."""

    authorization_id: str
    released_cents: int
    currency: str


@dataclass(frozen=True)
class Refund:
    """Captured money given back (`pending` until the provider settles it)."""

    authorization_id: str
    refund_id: str
    amount_cents: int
    currency: str
    status: Literal["succeeded", "pending"]


class EventKind(StrEnum):
    """What a provider's webhook says happened, in the port's words."""

    AUTHORIZED = "authorized"  # a pending authorization succeeded
    DECLINED = "declined"  # a pending authorization failed
    CAPTURED = "captured"
    VOIDED = "voided"
    REFUNDED = "refunded"
    OTHER = "other"  # an event the port does not act on: acknowledge it, change nothing


@dataclass(frozen=True)
class ProviderEvent:
    """One verified webhook: deduplicate by `event_id`; events may come late, twice or
    out of order, so apply them to the payment's state, never replay them as commands."""

    event_id: str  # the provider's event id
    kind: EventKind
    provider_type: str  # the provider's own name of the event, for logs
    authorization_id: str | None  # None only for OTHER events about no authorization
    amount_cents: int | None  # the movement's amount; None when the event carries none
    currency: str | None
    occurred_at: datetime


class PaymentProviderError(Exception):
    """A provider call that did not do what was asked."""


class PaymentDeclinedError(PaymentProviderError):
    """The card issuer or provider refused the payment (not retryable with the same card)."""

    def __init__(self, reason: str, authorization_id: str | None = None) -> None:
        super().__init__(f"payment declined: {reason}")
        self.reason = reason
        self.authorization_id = authorization_id  # the declined attempt's id, if it has one


class ProviderUnavailableError(PaymentProviderError):
    """Timeout, refused or reset connection, 5xx, 429 (and Stripe's 409, a request with this
    key still in flight): retry later with the SAME key."""


class ProviderRejectedError(PaymentProviderError):
    """A 4xx that is no decline (bad request, unknown id, a step the authorization's state
    forbids, too large an amount, bad credentials, key reused with other parameters) or an
    unreadable answer: a bug or misconfiguration; retrying will not help."""


class InvalidWebhookError(ValueError):
    """A webhook the port refuses: answer 400 and write nothing."""


class BadSignatureError(InvalidWebhookError):
    """The signature header is missing, malformed, or does not match the body."""


class StaleWebhookError(InvalidWebhookError):
    """The signed timestamp is older than the tolerance (a replay, or a very late retry)."""


def header(headers: Mapping[str, str], name: str) -> str | None:
    """A request header by name, whatever its case (a plain dict or Starlette's Headers)."""
    wanted = name.lower()
    return next((value for key, value in headers.items() if key.lower() == wanted), None)


class PaymentProvider(Protocol):
    """A payment provider. Every money call may raise ProviderUnavailableError (retry later
    with the SAME key: the provider answers a repeated key with its first result) or
    ProviderRejectedError (do not retry); only `authorize` raises PaymentDeclinedError."""

    name: str  # `sandbox` or `stripe`: the `{provider}` of POST /v1/payments/webhooks/…

    async def authorize(
        self,
        amount_cents: int,
        currency: str,
        card_token: str,
        reference: str,
        idempotency_key: str,
    ) -> Authorization:
        """Reserve `amount_cents` on the card; `reference` is ours (e.g. the payment id).
        `pending`: the outcome comes later as an AUTHORIZED or DECLINED webhook event."""
        ...

    async def capture(
        self, authorization_id: str, amount_cents: int, idempotency_key: str
    ) -> Capture:
        """Take `amount_cents` (1 … the authorized amount) of an `authorized` authorization,
        once: the provider releases the rest with it, so no void follows a capture."""
        ...

    async def void(self, authorization_id: str, idempotency_key: str) -> Void:
        """Release the whole of an authorization nothing was captured from."""
        ...

    async def refund(
        self, authorization_id: str, amount_cents: int, idempotency_key: str
    ) -> Refund:
        """Give back `amount_cents` (at most what was captured and not yet refunded);
        a second refund needs a key of its own."""
        ...

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ProviderEvent:
        """The verified event of a webhook request (`body` exactly as received, `now`
        timezone-aware); raises BadSignatureError, StaleWebhookError (signed more than 5 minutes
        before `now`) or InvalidWebhookError (a signed body the port cannot read)."""
        ...

    async def aclose(self) -> None:
        """Close the HTTP connections (at shutdown)."""
        ...
