"""Webhook signatures: `Fleet-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of "t.body">`.

The sandbox provider signs with `sign`; the command side checks with `verify`. The
timestamp is inside the signed bytes, so a captured delivery cannot be replayed later
with a fresh `t` (and a stale `t` is refused).
"""

from __future__ import annotations

import hashlib
import hmac

HEADER = "Fleet-Signature"
SCHEME = "v1"
DEFAULT_TOLERANCE_S = 300


class SignatureError(ValueError):
    """A webhook's signature header is missing, malformed, wrong or too old."""


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    signed = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, timestamp: int, body: bytes) -> str:
    """The header value signing `body` at `timestamp` (unix seconds) with `secret`."""
    return f"t={timestamp},{SCHEME}={_digest(secret, timestamp, body)}"


def parse(header: str) -> tuple[int, list[str]]:
    """The timestamp and every v1 signature of a header (a rotated secret may add one)."""
    timestamp: int | None = None
    signatures: list[str] = []
    for part in header.split(","):
        name, sep, value = part.strip().partition("=")
        if not sep:
            raise SignatureError("malformed signature header")
        if name == "t":
            if not value.isdigit():
                raise SignatureError("malformed signature timestamp")
            timestamp = int(value)
        elif name == SCHEME:
            signatures.append(value)
    if timestamp is None or not signatures:
        raise SignatureError("signature header needs t= and v1=")
    return timestamp, signatures


def verify(
    secret: str,
    header: str | None,
    body: bytes,
    now: float,
    tolerance_s: float = DEFAULT_TOLERANCE_S,
) -> int:
    """The signed timestamp when `header` signs `body` with `secret` within `tolerance_s`
    of `now` (unix seconds); raises SignatureError otherwise."""
    if not header:
        raise SignatureError("missing signature header")
    timestamp, signatures = parse(header)
    expected = _digest(secret, timestamp, body)
    if not any(hmac.compare_digest(expected, given) for given in signatures):
        raise SignatureError("signature does not match")
    if abs(now - timestamp) > tolerance_s:
        raise SignatureError("signature timestamp outside the tolerance")
    return timestamp
