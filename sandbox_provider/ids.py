"""Ids and delays derived from the seed and a counter: the same requests, the same ids."""

from __future__ import annotations

import hashlib
import hmac


def _digest(seed: str, parts: tuple[object, ...]) -> bytes:
    message = ":".join(str(part) for part in parts).encode()
    return hmac.new(seed.encode(), message, hashlib.sha256).digest()


def derive(seed: str, prefix: str, *parts: object) -> str:
    """`prefix_` and 24 hex digits determined by the seed and `parts` only."""
    return f"{prefix}_{_digest(seed, (prefix, *parts)).hex()[:24]}"


def pick(seed: str, low: int, high: int, *parts: object) -> int:
    """A number in [low, high] determined by the seed and `parts` only."""
    drawn = int.from_bytes(_digest(seed, parts)[:8], "big")
    return low + drawn % (high - low + 1)
