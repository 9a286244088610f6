"""The sandbox adapter against the real sandbox provider process (no stand-in): test cards,
partial capture, void, refund, errors, retries with the same key, and signed webhooks."""

from __future__ import annotations

import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import uuid4

import pytest
import pytest_asyncio

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
    idempotency_key,
)
from command_service.payments.sandbox import SandboxProvider
from deploy.postgres import free_port
from shared.payments import signature
from tests.payments.recording_server import Recorded
from tests.payments.sandbox_process import Sandbox, running_sandbox
from tests.waiting import until

TIMEOUT_S = 2.0


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Sandbox]:
    with running_sandbox(Path(tmp_path_factory.mktemp("sandbox"))) as running:
        yield running


@pytest_asyncio.fixture
async def provider(sandbox: Sandbox) -> AsyncIterator[SandboxProvider]:
    adapter = SandboxProvider(sandbox.url, sandbox.secret, timeout_s=TIMEOUT_S)
    yield adapter
    sandbox.set_faults()  # whatever a test switched on
    await adapter.aclose()


def key(step: str) -> str:
    """A fresh causing event's key (each test pays for something new)."""
    return idempotency_key(uuid4(), step)


async def authorized(provider: SandboxProvider, amount: int = 15_000) -> Authorization:
    reference = f"pay-{uuid4()}"
    return await provider.authorize(amount, "EUR", "tok_visa", reference, key("authorize"))


async def test_tok_visa_authorizes(provider: SandboxProvider, sandbox: Sandbox) -> None:
    reference = f"pay-{uuid4()}"

    result = await provider.authorize(15_000, "EUR", "tok_visa", reference, key("authorize"))

    assert (result.status, result.amount_cents, result.currency) == ("authorized", 15_000, "EUR")
    assert [(e["kind"], e["amount_cents"]) for e in sandbox.ledger(reference=reference)] == [
        ("authorized", 15_000)
    ]


async def test_tok_declined_is_a_decline_with_the_attempts_id(provider: SandboxProvider) -> None:
    with pytest.raises(PaymentDeclinedError) as declined:
        await provider.authorize(15_000, "EUR", "tok_declined", "pay-d", key("authorize"))

    assert declined.value.reason == "card_declined"
    assert declined.value.authorization_id


async def test_tok_slow_is_pending_and_its_outcome_comes_by_webhook(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    result = await provider.authorize(15_000, "EUR", "tok_slow", "pay-s", key("authorize"))

    assert result.status == "pending"
    succeeded = await delivery(sandbox, result.authorization_id, "authorization.succeeded")
    event = provider.parse_webhook(succeeded.headers, succeeded.body, datetime.now(UTC))
    assert (event.kind, event.authorization_id, event.amount_cents) == (
        EventKind.AUTHORIZED,
        result.authorization_id,
        15_000,
    )


async def test_a_partial_capture_releases_the_rest(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    auth = await authorized(provider)

    result = await provider.capture(auth.authorization_id, 11_000, key("capture"))

    assert result == Capture(auth.authorization_id, auth.authorization_id, 11_000, 4_000, "EUR")


async def test_void_releases_an_uncaptured_authorization(provider: SandboxProvider) -> None:
    auth = await authorized(provider)

    result = await provider.void(auth.authorization_id, key("void"))

    assert result == Void(auth.authorization_id, 15_000, "EUR")


async def test_refund_gives_back_part_of_a_capture(provider: SandboxProvider) -> None:
    auth = await authorized(provider)
    await provider.capture(auth.authorization_id, 15_000, key("capture"))

    result = await provider.refund(auth.authorization_id, 5_000, key("refund"))

    assert isinstance(result, Refund)
    assert (result.amount_cents, result.currency, result.status) == (5_000, "EUR", "succeeded")


async def test_a_repeated_key_answers_the_first_result_and_moves_money_once(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    auth = await authorized(provider)
    capture_key = key("capture")

    first = await provider.capture(auth.authorization_id, 9_000, capture_key)
    again = await provider.capture(auth.authorization_id, 9_000, capture_key)

    assert again == first
    captured = [
        e for e in sandbox.ledger(authorization_id=auth.authorization_id) if e["kind"] == "captured"
    ]
    assert [e["amount_cents"] for e in captured] == [9_000]


async def test_after_a_timeout_the_retry_with_the_same_key_moves_money_once(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    reference, authorize_key = f"pay-{uuid4()}", key("authorize")
    sandbox.set_faults(delay_ms=int(TIMEOUT_S * 1000) + 500)
    with pytest.raises(ProviderUnavailableError):
        await provider.authorize(15_000, "EUR", "tok_visa", reference, authorize_key)
    sandbox.set_faults()

    retry = await provider.authorize(15_000, "EUR", "tok_visa", reference, authorize_key)
    again = await provider.authorize(15_000, "EUR", "tok_visa", reference, authorize_key)

    assert again == retry
    [entry] = sandbox.ledger(reference=reference)
    assert (entry["kind"], entry["authorization_id"]) == ("authorized", retry.authorization_id)


async def test_a_provider_that_is_down_is_unavailable(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    sandbox.set_faults(down_for_s=30)

    with pytest.raises(ProviderUnavailableError):
        await authorized(provider)


async def test_a_refused_connection_is_unavailable(sandbox: Sandbox) -> None:
    adapter = SandboxProvider(f"http://127.0.0.1:{free_port()}", sandbox.secret)
    try:
        with pytest.raises(ProviderUnavailableError):
            await authorized(adapter)
    finally:
        await adapter.aclose()


async def test_requests_the_provider_refuses_are_rejections(provider: SandboxProvider) -> None:
    auth = await authorized(provider)

    with pytest.raises(ProviderRejectedError, match="422"):  # more than was authorized
        await provider.capture(auth.authorization_id, 15_001, key("capture"))
    with pytest.raises(ProviderRejectedError, match="404"):
        await provider.void("auth_unknown", key("void"))
    await provider.void(auth.authorization_id, key("void"))
    with pytest.raises(ProviderRejectedError, match="409"):  # a voided authorization
        await provider.capture(auth.authorization_id, 1_000, key("capture"))


async def test_webhooks_are_read_in_the_ports_words(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    auth = await authorized(provider)
    await provider.capture(auth.authorization_id, 12_000, key("capture"))
    refund = await provider.refund(auth.authorization_id, 2_000, key("refund"))

    events = [
        provider.parse_webhook(d.headers, d.body, datetime.now(UTC))
        for d in await webhooks_about(sandbox, auth.authorization_id, "refund.succeeded")
    ]

    assert [(e.kind, e.amount_cents) for e in events] == [
        (EventKind.AUTHORIZED, 15_000),
        (EventKind.CAPTURED, 12_000),
        (EventKind.REFUNDED, 2_000),
    ]
    assert {e.authorization_id for e in events} == {auth.authorization_id}
    assert all(isinstance(e, ProviderEvent) and e.currency == "EUR" for e in events)
    assert refund.refund_id


async def test_decline_and_void_webhooks_are_read_in_the_ports_words(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    with pytest.raises(PaymentDeclinedError) as declined:
        await provider.authorize(8_000, "EUR", "tok_declined", "pay-dv", key("authorize"))
    voided = await authorized(provider, 6_000)
    await provider.void(voided.authorization_id, key("void"))

    declined_id = declined.value.authorization_id or ""
    decline = await delivery(sandbox, declined_id, "authorization.declined")
    void = await delivery(sandbox, voided.authorization_id, "void.succeeded")
    now = datetime.now(UTC)

    assert provider.parse_webhook(decline.headers, decline.body, now).kind == EventKind.DECLINED
    event = provider.parse_webhook(void.headers, void.body, now)
    assert (event.kind, event.authorization_id, event.amount_cents) == (
        EventKind.VOIDED,
        voided.authorization_id,
        6_000,
    )


async def test_a_webhook_with_another_secret_or_a_changed_body_is_refused(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    auth = await authorized(provider)
    succeeded = await delivery(sandbox, auth.authorization_id, "authorization.succeeded")
    now = datetime.now(UTC)

    stranger = SandboxProvider(sandbox.url, secrets.token_hex(32))
    try:
        with pytest.raises(BadSignatureError):
            stranger.parse_webhook(succeeded.headers, succeeded.body, now)
    finally:
        await stranger.aclose()
    with pytest.raises(BadSignatureError):
        provider.parse_webhook(succeeded.headers, succeeded.body.replace(b"15000", b"99"), now)
    with pytest.raises(BadSignatureError):
        provider.parse_webhook({}, succeeded.body, now)


async def test_a_webhook_signed_more_than_five_minutes_ago_is_stale(
    provider: SandboxProvider, sandbox: Sandbox
) -> None:
    auth = await authorized(provider)
    succeeded = await delivery(sandbox, auth.authorization_id, "authorization.succeeded")

    with pytest.raises(StaleWebhookError):
        provider.parse_webhook(
            succeeded.headers, succeeded.body, datetime.now(UTC) + timedelta(seconds=310)
        )


async def test_without_a_secret_even_a_webhook_signed_with_no_key_is_refused(
    sandbox: Sandbox,
) -> None:
    now = datetime.now(UTC)
    body = b'{"id":"evt_x","type":"capture.succeeded","created":"2030-01-01T00:00:00Z","data":{}}'
    adapter = SandboxProvider(sandbox.url, "")
    try:
        with pytest.raises(BadSignatureError, match="SECRET"):
            adapter.parse_webhook(
                {signature.HEADER: signature.sign("", int(now.timestamp()), body)}, body, now
            )
    finally:
        await adapter.aclose()


@pytest.mark.parametrize("body", [b"not json", b"[1]", b'{"id": "evt_x"}'], ids=str)
async def test_a_signed_body_that_is_not_an_event_is_invalid(
    provider: SandboxProvider, sandbox: Sandbox, body: bytes
) -> None:
    now = datetime.now(UTC)
    headers = {signature.HEADER: signature.sign(sandbox.secret, int(now.timestamp()), body)}

    with pytest.raises(InvalidWebhookError):
        provider.parse_webhook(headers, body, now)


async def webhooks_about(sandbox: Sandbox, authorization_id: str, last: str) -> list[Recorded]:
    """The webhooks delivered about one authorization, once the one of type `last` came."""

    def about() -> list[Recorded]:
        return [r for r in sandbox.webhooks.requests if authorization_id.encode() in r.body]

    await until(lambda: any(f'"type":"{last}"'.encode() in r.body for r in about()))
    return about()


async def delivery(sandbox: Sandbox, authorization_id: str, event_type: str) -> Recorded:
    """The one delivered webhook of type `event_type` about one authorization."""
    typed = f'"type":"{event_type}"'.encode()
    [found] = [
        r for r in await webhooks_about(sandbox, authorization_id, event_type) if typed in r.body
    ]
    return found
