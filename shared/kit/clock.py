"""Time and ids enter the system here, so tests can replace both."""

from __future__ import annotations

import secrets
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

Clock = Callable[[], datetime]
IdFactory = Callable[[], uuid.UUID]

_VERSION_7 = 0x7 << 76
_VARIANT_RFC = 0b10 << 62


def system_clock() -> datetime:
    return datetime.now(UTC)


def time_ordered_id() -> uuid.UUID:
    """A UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, the next 12 bits a finer
    fraction of that millisecond (the RFC's method 3), 62 random bits.

    Every id the services mint keys a B-tree (events, entity index, calendar blocks, bookings).
    Random (v4) keys land anywhere in those indexes, so the pages a booking dirties,
    and the full-page images written after each checkpoint, grow with the tables; ids
    in creation order append at the right edge. The price: an id tells when it was made
    to the millisecond, which every event's `occurred_at` already says."""
    ns = time.time_ns()
    millis, fraction = divmod(ns, 1_000_000)
    sub_milli = fraction * 4096 // 1_000_000
    rand = int.from_bytes(secrets.token_bytes(8)) >> 2
    return uuid.UUID(int=(millis << 80) | _VERSION_7 | (sub_milli << 64) | _VARIANT_RFC | rand)
