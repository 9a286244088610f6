"""The sandbox adapter: the built-in sandbox provider's HTTP API (sandbox_provider/)."""

from __future__ import annotations

import math
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import httpx
import orjson

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
from shared.payments import signature

EVENT_KINDS = {
    "authorization.succeeded": EventKind.AUTHORIZED,
    "authorization.declined": EventKind.DECLINED,
    "capture.succeeded": EventKind.CAPTURED,
    "void.succeeded": EventKind.VOIDED,
    "refund.succeeded": EventKind.REFUNDED,
}


class SandboxProvider:
    """The PaymentProvider port on the sandbox provider (JSON over httpx)."""

    name = "sandbox"

    def __init__(self, base_url: str, webhook_secret: str, *, timeout_s: float = 10.0) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=timeout_s)
        self._webhook_secret = webhook_secret

    def __repr__(self) -> str:
        return f"SandboxProvider({self._http.base_url!s})"  # never the secret

    async def authorize(
        self,
        amount_cents: int,
        currency: str,
        card_token: str,
        reference: str,
        idempotency_key: str,
    ) -> Authorization:
        """POST /v1/authorizations: `authorized`, `pending` (tok_slow) or a decline."""
        body = {
            "amount_cents": amount_cents,
            "currency": currency.upper(),
            "card_token": card_token,
            "reference": reference,
        }
        answer = await self._post("/v1/authorizations", body, idempotency_key)
        if answer["status"] == "declined":
            raise PaymentDeclinedError(
                answer["decline_code"] or "declined", answer["authorization_id"]
            )
        if answer["status"] not in ("authorized", "pending"):
            raise ProviderRejectedError(f"sandbox: a new authorization is {answer['status']}")
        return Authorization(
            answer["authorization_id"], answer["status"], answer["amount_cents"], answer["currency"]
        )

    async def capture(
        self, authorization_id: str, amount_cents: int, idempotency_key: str
    ) -> Capture:
        """POST …/capture: the sandbox captures once and releases the rest."""
        answer = await self._post(
            f"/v1/authorizations/{authorization_id}/capture",
            {"amount_cents": amount_cents},
            idempotency_key,
        )
        return Capture(
            authorization_id=answer["authorization_id"],
            capture_id=answer["authorization_id"],  # the sandbox has no capture object
            captured_cents=answer["captured_cents"],
            released_cents=answer["voided_cents"],
            currency=answer["currency"],
        )

    async def void(self, authorization_id: str, idempotency_key: str) -> Void:
        """POST …/void: the whole uncaptured authorization released."""
        answer = await self._post(
            f"/v1/authorizations/{authorization_id}/void", None, idempotency_key
        )
        return Void(answer["authorization_id"], answer["voided_cents"], answer["currency"])

    async def refund(
        self, authorization_id: str, amount_cents: int, idempotency_key: str
    ) -> Refund:
        """POST …/refunds: part or all of the captured amount back (settled at once)."""
        answer = await self._post(
            f"/v1/authorizations/{authorization_id}/refunds",
            {"amount_cents": amount_cents},
            idempotency_key,
        )
        return Refund(
            authorization_id=answer["authorization_id"],
            refund_id=answer["refund_id"],
            amount_cents=answer["amount_cents"],
            currency=answer["currency"],
            status="succeeded" if answer["status"] == "succeeded" else "pending",
        )

    def parse_webhook(
        self, headers: Mapping[str, str], body: bytes, now: datetime
    ) -> ProviderEvent:
        """The event of a sandbox webhook, its Fleet-Signature verified (shared/payments)."""
        given = header(headers, signature.HEADER)
        if not self._webhook_secret:  # an empty key would let anyone sign
            raise BadSignatureError("sandbox webhook: no FLEET_SANDBOX_WEBHOOK_SECRET configured")
        try:  # the signature alone first, so a bad one and a stale one are told apart
            signature.verify(self._webhook_secret, given, body, now.timestamp(), math.inf)
        except signature.SignatureError as exc:
            raise BadSignatureError(f"sandbox webhook: {exc}") from exc
        try:
            signature.verify(self._webhook_secret, given, body, now.timestamp())
        except signature.SignatureError as exc:
            raise StaleWebhookError(f"sandbox webhook: {exc}") from exc
        try:
            return _provider_event(orjson.loads(body))
        except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
            raise InvalidWebhookError("sandbox webhook: the signed body is not an event") from exc

    async def aclose(self) -> None:
        """Close the HTTP connections."""
        await self._http.aclose()

    async def _post(self, path: str, body: dict[str, Any] | None, key: str) -> dict[str, Any]:
        """One call with its Idempotency-Key; errors mapped to the port's."""
        try:
            response = await self._http.post(path, json=body, headers={"Idempotency-Key": key})
        except httpx.TransportError as exc:  # timeouts, refused and reset connections
            raise ProviderUnavailableError(f"sandbox: {type(exc).__name__} on {path}") from exc
        if response.status_code >= 500 or response.status_code == 429:
            raise ProviderUnavailableError(f"sandbox: {response.status_code} on {path}")
        if response.is_error:
            raise ProviderRejectedError(
                f"sandbox: {response.status_code} on {path}: {_detail(response)}"
            )
        try:
            answer: dict[str, Any] = response.json()
        except ValueError as exc:
            raise ProviderRejectedError(f"sandbox: unreadable answer on {path}") from exc
        return answer


def _detail(response: httpx.Response) -> str:
    """The problem+json `detail` of a refusal, else its reason phrase."""
    try:
        return str(response.json().get("detail") or response.reason_phrase)
    except ValueError:
        return response.reason_phrase


def _provider_event(event: dict[str, Any]) -> ProviderEvent:
    """A sandbox event (`{id, type, created, data: {authorization, …}}`) in the port's words."""
    data, kind = event["data"], EVENT_KINDS.get(event["type"], EventKind.OTHER)
    authorization = data.get("authorization") or {}
    return ProviderEvent(
        event_id=event["id"],
        kind=kind,
        provider_type=event["type"],
        authorization_id=authorization.get("authorization_id"),
        # Captures, voids and refunds name their own amount; an authorization is all of it.
        amount_cents=data.get("amount_cents", authorization.get("amount_cents")),
        currency=authorization.get("currency"),
        occurred_at=datetime.fromisoformat(event["created"]),
    )
