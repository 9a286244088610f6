"""The price of a window: one formula for quotes (command side) and availability (query side)."""

from __future__ import annotations

from datetime import datetime, timedelta

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def price_cents(start: datetime, end: datetime, hourly_cents: int, daily_cents: int) -> int:
    """Price of [start, end): per started 24 h from start, min(started hours x hourly, daily)."""
    full_days, rest = divmod(end - start, _DAY)
    price = full_days * min(24 * hourly_cents, daily_cents)
    if rest:
        price += min(-(-rest // _HOUR) * hourly_cents, daily_cents)
    return price
