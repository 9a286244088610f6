"""The port's idempotency keys: one per (causing event, step), the same on every retry."""

from __future__ import annotations

from uuid import UUID

import pytest

from command_service.payments.provider import header, idempotency_key

EVENT = UUID("7d4f2c1e-0000-4000-8000-000000000001")


def test_the_key_names_the_causing_event_and_the_step() -> None:
    assert idempotency_key(EVENT, "capture") == f"fleet:{EVENT}:capture"


def test_a_retry_derives_the_same_key_from_the_same_event() -> None:
    assert idempotency_key(EVENT, "authorize") == idempotency_key(str(EVENT), "authorize")


def test_each_step_of_one_event_has_its_own_key() -> None:
    steps = ["authorize", "capture", "void", "refund"]

    assert len({idempotency_key(EVENT, step) for step in steps}) == len(steps)


def test_keys_fit_every_providers_limit() -> None:
    assert len(idempotency_key("e" * 100, "a" * 40)) <= 255  # Stripe's and the sandbox's


@pytest.mark.parametrize("step", ["", "Capture", "cap ture", "a:b", "x" * 41])
def test_a_step_must_be_a_short_lowercase_word(step: str) -> None:
    with pytest.raises(ValueError, match="step"):
        idempotency_key(EVENT, step)


@pytest.mark.parametrize("event_id", ["", "a:b", "e" * 101])
def test_an_event_id_must_not_blur_the_key(event_id: str) -> None:
    with pytest.raises(ValueError, match="event id"):
        idempotency_key(event_id, "void")


def test_headers_are_found_whatever_their_case() -> None:
    assert header({"fleet-signature": "t=1,v1=ab"}, "Fleet-Signature") == "t=1,v1=ab"
    assert header({}, "Fleet-Signature") is None
