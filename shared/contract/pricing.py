"""The price of a window: one formula for quotes (command side) and availability (query side)."""

from __future__ import annotations

from datetime import datetime, timedelta

_HOUR = timedelta(hours=1)
_DAY = timedelta(days=1)


def price_cents(start: datetime, end: datetime, hourly_cents: int, daily_cents: int) -> int:
    """Price of [start, end): per started 24 h from start, min(started hours x hourly, daily)."""
    return price_of(window_units(start, end), hourly_cents, daily_cents)


def window_units(start: datetime, end: datetime) -> tuple[int, int]:
    """[start, end) as (whole 24 h periods, started hours of the rest): what its price
    depends on, so a page of vehicles for one window works it out once."""
    full_days, rest = divmod(end - start, _DAY)
    return full_days, -(-rest // _HOUR)


def price_of(units: tuple[int, int], hourly_cents: int, daily_cents: int) -> int:
    """The price of a window's `units` (window_units) at these rates."""
    full_days, started_hours = units
    price = full_days * min(24 * hourly_cents, daily_cents)
    if started_hours:
        price += min(started_hours * hourly_cents, daily_cents)
    return price
