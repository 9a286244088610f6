"""Queries on the booking analytics read models (stats; revenue: revenue.py) and the service cycle
(health score, vehicles due for service)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.queries.analytics import scope
from query_service.read_models.service_health import SERVICE_INTERVAL_DAYS, SERVICE_INTERVAL_KM

Window = tuple[datetime, datetime]
# A trip may start until 15 minutes after the booking's end (DESIGN §2): only then is a
# booking without a trip a no-show.
NO_SHOW_GRACE = timedelta(minutes=15)
SERVICE_INTERVAL = timedelta(days=SERVICE_INTERVAL_DAYS)
LOAD_HOURS = 500  # trip hours since service at which the load penalty is full
LOAD_WEIGHT = 20  # health points the full load penalty takes


def _ratio(part: int, whole: int) -> float | None:
    return part / whole if whole else None


async def booking_stats(
    db: Reader, window: Window, now: datetime, location_id: UUID | None = None
) -> dict[str, Any]:
    """Counts, rates and means of the bookings whose window starts in `window`."""
    args: list[Any] = [*window]
    row = await db.fetchrow(
        "SELECT coalesce(sum(bookings), 0)::bigint AS bookings,"
        " coalesce(sum(cancelled), 0)::bigint AS cancelled,"
        " coalesce(sum(completed), 0)::bigint AS completed,"
        " coalesce(sum(trips), 0)::bigint AS trips, coalesce(sum(lead_s), 0)::bigint AS lead,"
        " coalesce(sum(duration_s), 0)::bigint AS duration"
        " FROM analytics_fleet_bookings"
        f" WHERE hour >= $1 AND hour < $2{scope(db, args, location_id)}",
        *args,
    )
    assert row is not None
    args = [*window, now - NO_SHOW_GRACE]
    no_shows = await db.fetchval(
        "SELECT count(*) FROM bookings WHERE status = 'confirmed' AND trip_id IS NULL"
        f" AND start_at >= $1 AND start_at < $2 AND end_at <= $3{scope(db, args, location_id)}",
        *args,
    )
    total, cancelled, kept = row["bookings"], row["cancelled"], row["bookings"] - row["cancelled"]
    return {
        "bookings": total,
        "confirmed": kept - row["completed"],
        "cancelled": cancelled,
        "completed": row["completed"],
        "trips_started": row["trips"],
        "no_shows": no_shows,
        "cancellation_rate": _ratio(cancelled, total),
        "completion_rate": _ratio(row["completed"], kept),
        "no_show_rate": _ratio(no_shows, kept),
        "mean_lead_time_seconds": _ratio(row["lead"], total),
        "mean_duration_seconds": _ratio(row["duration"], total),
    }


async def service_rows(db: Reader, location_id: UUID | None = None) -> list[asyncpg.Record]:
    """The service cycle of every vehicle not retired (whose home is the location, if given)."""
    args: list[Any] = []
    sql = (
        "SELECT s.vehicle_id, s.odometer_km, s.km_at_service, s.last_service_at,"
        " s.trips_since_service, s.trip_seconds_since_service, s.km_due_at"
        " FROM analytics_service s JOIN vehicles v USING (vehicle_id)"
        f" WHERE NOT s.retired{scope(db, args, location_id, 'v.')}"
    )
    rows: list[asyncpg.Record] = await db.fetch(sql, *args)
    return rows


def health(row: asyncpg.Record, at: datetime) -> dict[str, Any]:
    """Health score and due state of one vehicle at `at` (formula: docs/analytics.md)."""
    km = row["odometer_km"] - row["km_at_service"]
    since = max(timedelta(0), at - row["last_service_at"])
    trip_hours = row["trip_seconds_since_service"] / 3600
    wear = max(km / SERVICE_INTERVAL_KM, since / SERVICE_INTERVAL)
    load = min(1.0, trip_hours / LOAD_HOURS)
    score = max(0, min(100, math.floor(100 * (1 - wear) - LOAD_WEIGHT * load)))
    by_days = row["last_service_at"] + SERVICE_INTERVAL
    by_km = row["km_due_at"] if row["km_due_at"] is not None and row["km_due_at"] <= at else None
    due_at = min(by_km, by_days) if by_km is not None else by_days
    due = due_at <= at
    reason = None if not due else ("km" if by_km is not None and by_km <= by_days else "days")
    return {
        "vehicle_id": row["vehicle_id"],
        "health_score": score,
        "due": due,
        "due_at": due_at if due else None,
        "due_reason": reason,
        "odometer_km": row["odometer_km"],
        "km_since_service": km,
        "days_since_service": since.days,
        "trips_since_service": row["trips_since_service"],
        "trip_hours_since_service": trip_hours,
        "last_service_at": row["last_service_at"],
    }


def due_list(
    rows: Sequence[asyncpg.Record], at: datetime, since: datetime | None, score_below: int | None
) -> list[dict[str, Any]]:
    """Vehicles due at `at` (that fell due at or after `since`, when given), plus those
    scoring below `score_below`; due ones first by due_at, then by score, then by id."""
    found = []
    for row in rows:
        item = health(row, at)
        fell_due = item["due"] and (since is None or item["due_at"] >= since)
        if fell_due or (score_below is not None and item["health_score"] < score_below):
            found.append(item)
    found.sort(
        key=lambda i: (i["due_at"] is None, i["due_at"] or at, i["health_score"], i["vehicle_id"])
    )
    return found
