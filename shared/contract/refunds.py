"""The cancellation refund policy (DESIGN §2), shared by the vehicle's decisions and the
console's preview, so both always name the same figure."""

from __future__ import annotations

from datetime import datetime, timedelta

FULL_REFUND_BEFORE = timedelta(hours=24)
HALF_REFUND_BEFORE = timedelta(hours=2)


def refund_percent(start: datetime, now: datetime) -> int:
    """Share of the price refunded on cancellation: 100 > 24 h ahead, 50 > 2 h, else 0."""
    ahead = start - now
    if ahead > FULL_REFUND_BEFORE:
        return 100
    if ahead > HALF_REFUND_BEFORE:
        return 50
    return 0


def refund_cents(price_cents: int, percent: int) -> int:
    """The refunded amount in integer cents, rounded down."""
    return price_cents * percent // 100
