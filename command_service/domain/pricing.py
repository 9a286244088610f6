"""How a hold, booking or quote is priced: the inputs the application gathers (a policy
version and the demand counts, or a quote's price) and the one decision over them.

Demand is counted in clock hours (UTC): a window books one vehicle-hour in each hour
bucket it starts or covers, and its capacity is that many hours of every countable
vehicle of the policy (docs/quotes-and-demand.md).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from command_service.domain.errors import InvalidCommandError
from command_service.domain.state import VehicleState
from shared.contract.events import as_utc
from shared.pricing.engine import UnknownExtraError, price_by_vehicle_rates, price_window
from shared.pricing.priced import PolicyVersion, Priced

HOUR = timedelta(hours=1)


@dataclass(frozen=True)
class PriceBasis:
    """What a price is decided from: the winning policy version and the demand counts
    over the window when the decision is made, or the price a named quote fixed."""

    policy: PolicyVersion | None = None  # None: the vehicle's own rates
    booked_hours: int = 0
    capacity_hours: int = 0
    extras: tuple[str, ...] = ()
    quoted: Priced | None = None


VEHICLE_RATES = PriceBasis()


def window_hours(start: datetime, end: datetime) -> list[datetime]:
    """The UTC clock hours [h, h + 1h) that [start, end) starts or covers, in order."""
    first = as_utc(start).replace(minute=0, second=0, microsecond=0)
    hours = []
    hour = first
    while hour < as_utc(end):
        hours.append(hour)
        hour += HOUR
    return hours


def decide_price(state: VehicleState, start: datetime, end: datetime, basis: PriceBasis) -> Priced:
    """The price of [start, end) on this vehicle under `basis` (pure)."""
    if basis.quoted is not None:
        return basis.quoted
    if basis.policy is None:
        if basis.extras:
            raise InvalidCommandError("this vehicle's pricing offers no extras", "extras")
        return price_by_vehicle_rates(
            start, end, state.hourly_rate_cents, state.daily_rate_cents, state.currency
        )
    try:
        return price_window(
            basis.policy,
            start,
            end,
            booked_hours=basis.booked_hours,
            capacity_hours=basis.capacity_hours,
            extras=basis.extras,
        )
    except UnknownExtraError as exc:
        raise InvalidCommandError(str(exc), "extras") from exc
