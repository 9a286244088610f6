"""Revenue (docs/analytics.md, "Revenue"): a booking without a payment earns its price
minus the refund its cancellation granted; a booking with an authorized payment earns
the money its payments captured minus the money they refunded.

The booking buckets (`analytics_fleet_bookings`, `analytics_vehicle_bookings`) count every
booking by the first rule. Payments live in a stream of their own, and read models never
join two streams' rows, so the second rule is applied when read: the paid bookings whose
window starts in the asked window are looked up (bookings by start, their payments by
booking id) and each one's price and refund are replaced by its captured and refunded money.
That read grows with the window's paid bookings (measured: docs/analytics.md).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any, NamedTuple
from uuid import UUID

from query_service.api.context import Reader
from query_service.api.queries.analytics import scope
from query_service.read_models.spans import floor_to

Window = tuple[datetime, datetime]
_SUMS = (
    "sum(bookings)::bigint AS bookings, sum(cancelled)::bigint AS cancelled,"
    " sum(booked_cents)::bigint AS booked, sum(refunded_cents)::bigint AS refunded"
)
# Per hour, currency and vehicle: the paid bookings starting then, their prices and
# cancellation refunds, and what their authorized payments captured and refunded.
_PAID = """
SELECT date_trunc('hour', start_at) AS hour, currency, vehicle_id, count(*)::bigint AS paid,
    sum(price_cents)::bigint AS price, sum(refund)::bigint AS refund,
    sum(captured)::bigint AS captured, sum(returned)::bigint AS returned
FROM (
    SELECT b.start_at, b.currency, b.vehicle_id, b.price_cents,
        coalesce(b.refund_cents, 0) AS refund, sum(p.captured_cents) AS captured,
        sum(p.refunded_cents) AS returned
    FROM bookings b JOIN payments p ON p.booking_id = b.booking_id AND p.authorized_cents > 0
    WHERE b.start_at >= $1 AND b.start_at < $2{where}
    GROUP BY b.booking_id
) paid GROUP BY 1, 2, 3
"""


class Money(NamedTuple):
    """One bucket's figures; `price`/`refund` of the paid bookings are kept apart."""

    bookings: int = 0
    cancelled: int = 0
    booked: int = 0
    refunded: int = 0  # unpaid bookings' cancellation refunds, then paid ones' refunds
    paid: int = 0
    captured: int = 0
    paid_price: int = 0
    duration_s: int = 0  # the booked seconds of the bookings (fleet sums only)

    def __add__(self, other: object) -> Money:
        assert isinstance(other, Money)
        return Money(*(a + b for a, b in zip(self, other, strict=True)))


def answer(currency: str, m: Money) -> dict[str, Any]:
    """A bucket as the API answers it."""
    return {
        "currency": currency,
        "booked_cents": m.booked,
        "captured_cents": m.captured,
        "refunded_cents": m.refunded,
        "revenue_cents": m.booked - m.paid_price + m.captured - m.refunded,
        "bookings": m.bookings,
        "paid_bookings": m.paid,
        "cancelled": m.cancelled,
    }


def per_hour(cents: int, seconds: int) -> int | None:
    """Cents per hour of `seconds`, rounded half up to a whole cent (None without time)."""
    return (cents * 7_200 + seconds) // (2 * seconds) if seconds else None


def fleet_answer(currency: str, m: Money) -> dict[str, Any]:
    """`answer`, with the price per booked hour the bookings were sold at."""
    return {**answer(currency, m), "price_per_booked_hour_cents": per_hour(m.booked, m.duration_s)}


def _booked(row: Any) -> Money:
    return Money(row["bookings"], row["cancelled"], row["booked"], row["refunded"],
                 duration_s=row.get("duration", 0))  # fmt: skip


def _paid(row: Any) -> Money:
    """The correction of paid bookings: their refunds out, their payments' money in."""
    refunded = row["returned"] - row["refund"]
    return Money(0, 0, 0, refunded, row["paid"], row["captured"], row["price"])


def _summed(pairs: Iterable[tuple[Any, Money]]) -> dict[Any, Money]:
    sums: dict[Any, Money] = defaultdict(Money)
    for key, money in pairs:
        sums[key] += money
    return sums


async def revenue(
    db: Reader, window: Window, step: timedelta, limit: int, location_id: UUID | None = None
) -> dict[str, Any]:
    """Revenue per bucket and currency, per currency in total, and the top vehicles."""
    args: list[Any] = [*window]
    where = scope(db, args, location_id)
    fleet = await db.fetch(
        f"SELECT hour, currency, {_SUMS}, sum(duration_s)::bigint AS duration"
        " FROM analytics_fleet_bookings"
        f" WHERE hour >= $1 AND hour < $2{where} GROUP BY 1, 2",
        *args,
    )
    vehicles = await db.fetch(
        f"SELECT vehicle_id, currency, {_SUMS} FROM analytics_vehicle_bookings"
        f" WHERE hour >= $1 AND hour < $2{where} GROUP BY 1, 2",
        *args,
    )
    args = [*window]
    paid = await db.fetch(_PAID.format(where=scope(db, args, location_id, "b.")), *args)
    buckets = _summed(
        [((floor_to(r["hour"], step), r["currency"]), _booked(r)) for r in fleet]
        + [((floor_to(r["hour"], step), r["currency"]), _paid(r)) for r in paid]
    )
    by_vehicle = _summed(
        [((r["vehicle_id"], r["currency"]), _booked(r)) for r in vehicles]
        + [((r["vehicle_id"], r["currency"]), _paid(r)) for r in paid]
    )
    totals = _summed((currency, m) for (_, currency), m in buckets.items())
    top = sorted(
        ((answer(c, m)["revenue_cents"], v, c) for (v, c), m in by_vehicle.items()),
        key=lambda t: (-t[0], t[1], t[2]),
    )[:limit]
    return {
        "totals": [fleet_answer(c, totals[c]) for c in sorted(totals)],
        "buckets": [{"start": k, **fleet_answer(c, m)} for (k, c), m in sorted(buckets.items())],
        "vehicles": [{"vehicle_id": v, **answer(c, by_vehicle[v, c])} for _, v, c in top],
    }
