"""Brute-force analytics: every figure recomputed from the event list, interval by interval,
with nothing shared with the projections or the API but the definitions (docs/analytics.md).
"""

from __future__ import annotations

import math
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from fractions import Fraction
from typing import Any
from uuid import UUID

from shared.contract import events as ev

HOUR, DAY = timedelta(hours=1), timedelta(days=1)
FAR = datetime.max.replace(tzinfo=datetime.now().astimezone().tzinfo)


@dataclass
class Booking:
    vehicle_id: UUID
    start: datetime
    end: datetime
    price: int
    currency: str
    confirmed_at: datetime
    status: str = "confirmed"
    refund: int = 0
    trip: bool = False


@dataclass
class Service:
    odometer: int
    km_at_service: int
    last_service_at: datetime
    trips: int = 0
    trip_seconds: int = 0
    km_due_at: datetime | None = None
    retired: bool = False


@dataclass
class Truth:
    """Intervals and bookings as the event list tells them."""

    up: list[tuple[UUID, datetime, datetime | None]] = field(default_factory=list)
    driven: list[tuple[UUID, datetime, datetime | None]] = field(default_factory=list)
    bookings: dict[UUID, Booking] = field(default_factory=dict)
    service: dict[UUID, Service] = field(default_factory=dict)


def _service_odometer(s: Service, km: int, at: datetime) -> None:
    s.odometer = max(s.odometer, km)
    if s.km_due_at is None and s.odometer - s.km_at_service >= 15_000:
        s.km_due_at = at


def replay(events: list[tuple[ev.Event, int]]) -> Truth:
    truth, since, trip_start = Truth(), {}, {}
    for e, _ in events:
        v, t = e.vehicle_id, e.occurred_at
        if isinstance(e, ev.VehicleRegistered):
            since[v] = t
            truth.service[v] = Service(e.odometer_km, e.odometer_km, t)
        elif isinstance(e, ev.VehicleStatusChanged | ev.VehicleRetired):
            down = isinstance(e, ev.VehicleRetired) or e.to_status in ("maintenance", "inactive")
            if down and since.get(v) is not None:
                truth.up.append((v, since.pop(v), t))
            elif not down and since.get(v) is None:
                since[v] = t
            if isinstance(e, ev.VehicleRetired):
                truth.service[v].retired = True
        elif isinstance(e, ev.BookingConfirmed):
            truth.bookings[e.booking_id] = Booking(v, e.start, e.end, e.price_cents, e.currency, t)
        elif isinstance(e, ev.BookingCancelled):
            truth.bookings[e.booking_id].status = "cancelled"
            truth.bookings[e.booking_id].refund = e.refund_cents
        elif isinstance(e, ev.BookingCompleted):
            truth.bookings[e.booking_id].status = "completed"
        elif isinstance(e, ev.TripStarted):
            trip_start[e.trip_id] = t
            truth.bookings[e.booking_id].trip = True
            _service_odometer(truth.service[v], e.odometer_km, t)
        elif isinstance(e, ev.TripEnded):
            truth.driven.append((v, trip_start.pop(e.trip_id), t))
            s = truth.service[v]
            s.trips, s.trip_seconds = s.trips + 1, s.trip_seconds + e.duration_s
            _service_odometer(s, e.odometer_km, t)
        elif isinstance(e, ev.MaintenanceCompleted):
            truth.service[v] = Service(e.odometer_km, e.odometer_km, t)
    truth.up += [(v, s, None) for v, s in since.items()]
    truth.driven += [(_vehicle_of(events, tid), s, None) for tid, s in trip_start.items()]
    return truth


def _vehicle_of(events: list[tuple[ev.Event, int]], trip_id: UUID) -> UUID:
    return next(e.vehicle_id for e, _ in events if getattr(e, "trip_id", None) == trip_id)


def overlap(a: datetime, b: datetime, c: datetime, d: datetime) -> int:
    return max(0, int((min(b, d) - max(a, c)).total_seconds()))


def keys(window: tuple[datetime, datetime], step: timedelta) -> list[datetime]:
    return [window[0] + i * step for i in range(int((window[1] - window[0]) / step))]


def usage(
    truth: Truth, window: tuple[datetime, datetime], step: timedelta, now: datetime,
    vehicle: UUID | None = None,
) -> list[tuple[datetime, int, int, int]]:  # fmt: skip
    """(bucket, booked, driven, available) seconds per bucket."""
    out = []
    for k in keys(window, step):
        e = k + step
        up = sum(overlap(s, x or window[1], k, e) for v, s, x in truth.up if vehicle in (None, v))
        driven = sum(
            overlap(s, x or min(now, window[1]), k, e)
            for v, s, x in truth.driven
            if vehicle in (None, v)
        )
        booked = sum(
            overlap(b.start, b.end, k, e)
            for b in truth.bookings.values()
            if b.status != "cancelled" and vehicle in (None, b.vehicle_id)
        )
        out.append((k, booked, driven, up))
    return out


def api_usage(body: dict[str, Any]) -> list[tuple[datetime, int, int, int]]:
    return [
        (datetime.fromisoformat(b["start"]), b["booked_seconds"], b["driven_seconds"],
         b["available_seconds"])
        for b in body["buckets"]
    ]  # fmt: skip


def cohort(truth: Truth, window: tuple[datetime, datetime]) -> list[Booking]:
    return [b for b in truth.bookings.values() if window[0] <= b.start < window[1]]


def booking_stats(truth: Truth, window: tuple[datetime, datetime], now: datetime) -> dict[str, Any]:
    c = cohort(truth, window)
    n = len(c)
    cancelled = sum(b.status == "cancelled" for b in c)
    completed = sum(b.status == "completed" for b in c)
    no_shows = sum(
        b.status == "confirmed" and not b.trip and b.end + timedelta(minutes=15) <= now for b in c
    )
    kept = n - cancelled
    return {
        "bookings": n, "confirmed": kept - completed, "cancelled": cancelled,
        "completed": completed, "trips_started": sum(b.trip for b in c), "no_shows": no_shows,
        "cancellation_rate": cancelled / n if n else None,
        "completion_rate": completed / kept if kept else None,
        "no_show_rate": no_shows / kept if kept else None,
        "mean_lead_time_seconds": sum((b.start - b.confirmed_at).total_seconds() for b in c) / n
        if n else None,
        "mean_duration_seconds": sum((b.end - b.start).total_seconds() for b in c) / n
        if n else None,
    }  # fmt: skip


def revenue_by_vehicle(truth: Truth, window: tuple[datetime, datetime]) -> dict[UUID, int]:
    out: dict[UUID, int] = defaultdict(int)
    for b in cohort(truth, window):
        out[b.vehicle_id] += b.price - b.refund
    return dict(out)


def price_per_booked_hour(
    truth: Truth, window: tuple[datetime, datetime]
) -> dict[tuple[str | None, str], int]:
    """Per start hour (None: the whole window) and currency: the bookings' price over
    their booked hours, cancelled ones included, rounded half up to a cent."""
    sums: dict[tuple[str | None, str], list[int]] = defaultdict(lambda: [0, 0])
    for b in cohort(truth, window):
        hour = b.start.replace(minute=0, second=0, microsecond=0).isoformat().replace("+00:00", "Z")
        for key in ((hour, b.currency), (None, b.currency)):
            sums[key][0] += b.price
            sums[key][1] += int((b.end - b.start).total_seconds())
    return {
        k: math.floor(Fraction(cents * 3600, s) + Fraction(1, 2)) for k, (cents, s) in sums.items()
    }


def health(s: Service, at: datetime) -> tuple[int, bool]:
    km = s.odometer - s.km_at_service
    wear = max(km / 15_000, (at - s.last_service_at) / timedelta(days=365))
    load = min(1.0, s.trip_seconds / 3600 / 500)
    score = max(0, min(100, math.floor(100 * (1 - wear) - 20 * load)))
    due = km >= 15_000 or at - s.last_service_at >= timedelta(days=365)
    return score, due
