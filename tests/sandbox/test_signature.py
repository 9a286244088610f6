"""Webhook signatures (shared/payments/signature.py): what verifies and what is refused."""

from __future__ import annotations

import pytest

from shared.payments.signature import SignatureError, sign, verify

SECRET = "whsec-test"
BODY = b'{"id":"evt_1","type":"capture.succeeded"}'
NOW = 1_900_000_000


def test_a_signed_body_verifies_and_returns_its_timestamp() -> None:
    header = sign(SECRET, NOW, BODY)
    assert header.startswith(f"t={NOW},v1=")
    assert verify(SECRET, header, BODY, now=NOW + 10) == NOW


def test_one_matching_signature_among_several_is_enough() -> None:
    header = sign(SECRET, NOW, BODY) + ",v1=" + "0" * 64
    assert verify(SECRET, header, BODY, now=NOW) == NOW


@pytest.mark.parametrize(
    ("header", "body", "secret"),
    [
        (sign(SECRET, NOW, BODY), BODY + b" ", SECRET),  # body changed
        (sign(SECRET, NOW, BODY), BODY, "another-secret"),  # wrong secret
        (sign(SECRET, NOW, BODY).replace(f"t={NOW}", f"t={NOW + 1}"), BODY, SECRET),  # new t
        (None, BODY, SECRET),
        ("", BODY, SECRET),
        ("v1=abc", BODY, SECRET),
        (f"t={NOW}", BODY, SECRET),
        (f"t=soon,v1={'0' * 64}", BODY, SECRET),
        ("garbage", BODY, SECRET),
    ],
)
def test_a_wrong_or_malformed_signature_is_refused(
    header: str | None, body: bytes, secret: str
) -> None:
    with pytest.raises(SignatureError):
        verify(secret, header, body, now=NOW)


def test_a_stale_or_far_future_timestamp_is_refused() -> None:
    header = sign(SECRET, NOW, BODY)
    assert verify(SECRET, header, BODY, now=NOW + 300) == NOW
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, header, BODY, now=NOW + 301)
    with pytest.raises(SignatureError, match="tolerance"):
        verify(SECRET, header, BODY, now=NOW - 301)
    assert verify(SECRET, header, BODY, now=NOW + 1000, tolerance_s=1000) == NOW
