"""Queries on the usage read models: utilization, peak hours, underutilized vehicles.

Closed intervals come summed from the bucket rows (an index range scan); the open ones — a
vehicle in service since some moment, a trip still running — are added here from
`analytics_vehicles` (one row per vehicle), so nothing is ever written at read time.
"""

from __future__ import annotations

from bisect import bisect_left, bisect_right
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import in_organization
from query_service.read_models.spans import DAY, HOUR, buckets, floor_to

Window = tuple[datetime, datetime]
_SUMS = "sum(booked_s)::bigint AS booked, sum(driven_s)::bigint AS driven, sum(up_s)::bigint AS up"


def scope(db: Reader, args: list[Any], location_id: UUID | None, prefix: str = "") -> str:
    """The conditions of the reader's organization and the optional location filter."""
    sql = in_organization(db, args, f"{prefix}organization_id")
    if location_id is not None:
        args.append(location_id)
        sql += f" AND {prefix}location_id = ${len(args)}"
    return sql


def open_seconds(
    starts: Sequence[datetime], keys: Sequence[datetime], step: timedelta, cap: datetime
) -> list[int]:
    """Seconds of the open intervals [start, cap) (sorted starts) in each bucket of `keys`."""
    out = []
    for key in keys:
        end = min(key + step, cap)
        if end <= key:
            out.append(0)
            continue
        full = bisect_right(starts, key)
        seconds = full * int((end - key).total_seconds())
        for start in starts[full : bisect_left(starts, end)]:
            seconds += int((end - start).total_seconds())
        out.append(seconds)
    return out


def bucket_keys(window: Window, step: timedelta) -> list[datetime]:
    start, end = window
    return [start + i * step for i in range(int((end - start) / step))]


def figures(booked: int, driven: int, up: int) -> dict[str, Any]:
    """The usage figures of one bucket (or of the totals)."""
    return {
        "available_seconds": up,
        "booked_seconds": booked,
        "driven_seconds": driven,
        "idle_seconds": max(0, up - booked),
        "booked_utilization": booked / up if up else None,
        "driven_utilization": driven / up if up else None,
    }


async def _closed_sums(
    db: Reader,
    vehicle_id: UUID | None,
    window: Window,
    step: timedelta,
    location_id: UUID | None,
) -> list[tuple[datetime, int, int, int]]:
    """(bucket, booked, driven, up) of the closed intervals: fleet rows are hourly."""
    if vehicle_id is not None and step != DAY:
        return await _vehicle_hours(db, vehicle_id, window)
    if vehicle_id is None:
        return await _fleet_hours(db, window, location_id)
    args: list[Any] = [*window, vehicle_id]
    rows = await db.fetch(
        f"SELECT day AS k, {_SUMS} FROM analytics_vehicle_days"
        f" WHERE day >= $1 AND day < $2 AND vehicle_id = $3{in_organization(db, args)}"
        " GROUP BY 1",
        *args,
    )
    return [(r["k"], r["booked"], r["driven"], r["up"]) for r in rows]


async def _fleet_hours(
    db: Reader, window: Window, location_id: UUID | None
) -> list[tuple[datetime, int, int, int]]:
    """Every hour of the (whole-hour) window: its partial seconds plus an hour per span
    covering it whole, counted from the edges of every hour up to it (usage.py)."""
    edges = "sum(booked_w)::bigint, sum(driven_w)::bigint, sum(up_w)::bigint"
    args: list[Any] = [window[0]]
    before = await db.fetchrow(
        f"SELECT {edges} FROM analytics_fleet_hours WHERE hour < $1{scope(db, args, location_id)}",
        *args,
    )
    assert before is not None
    args = [*window]
    rows = await db.fetch(
        f"SELECT hour, {_SUMS}, {edges} FROM analytics_fleet_hours"
        f" WHERE hour >= $1 AND hour < $2{scope(db, args, location_id)} GROUP BY 1",
        *args,
    )
    by_hour = {row[0]: row[1:] for row in rows}
    whole = [int(n or 0) for n in before]
    seconds = int(HOUR.total_seconds())
    out = []
    for hour in bucket_keys(window, HOUR):
        partial = (0, 0, 0)
        if (row := by_hour.get(hour)) is not None:
            partial = row[:3]
            whole = [w + int(n) for w, n in zip(whole, row[3:], strict=True)]
        booked, driven, up = (p + seconds * w for p, w in zip(partial, whole, strict=True))
        out.append((hour, booked, driven, up))
    return out


async def _vehicle_hours(
    db: Reader, vehicle_id: UUID, window: Window
) -> list[tuple[datetime, int, int, int]]:
    """One vehicle's hours, cut from its spans (a span's weight is its seconds: ±1 each)."""
    args: list[Any] = [vehicle_id, *window]
    rows = await db.fetch(
        "SELECT start_at, end_at, booked_s, driven_s, up_s FROM analytics_vehicle_spans"
        f" WHERE vehicle_id = $1 AND end_at > $2 AND start_at < $3{in_organization(db, args)}",
        *args,
    )
    out = []
    for start, end, *values in rows:
        length = int((end - start).total_seconds())
        if length == 0:  # shorter than a second: it added nothing
            continue
        weights = [v // length for v in values]
        hours, seconds = buckets(max(start, window[0]), min(end, window[1]), HOUR)
        for hour, s in zip(hours, seconds, strict=True):
            out.append((hour, s * weights[0], s * weights[1], s * weights[2]))
    return out


async def _open_starts(
    db: Reader, vehicle_id: UUID | None, end: datetime, location_id: UUID | None
) -> tuple[list[datetime], list[datetime]]:
    """Sorted starts of open in-service intervals and of running trips before `end`."""
    args: list[Any] = [end]
    sql = (
        "SELECT in_service_since, trip_started_at FROM analytics_vehicles"
        f" WHERE (in_service_since < $1 OR trip_started_at < $1){scope(db, args, location_id)}"
    )
    if vehicle_id is not None:
        args.append(vehicle_id)
        sql += f" AND vehicle_id = ${len(args)}"
    rows = await db.fetch(sql, *args)
    since = sorted(r[0] for r in rows if r[0] is not None and r[0] < end)
    trips = sorted(r[1] for r in rows if r[1] is not None and r[1] < end)
    return since, trips


async def utilization(
    db: Reader,
    vehicle_id: UUID | None,
    window: Window,
    step: timedelta,
    now: datetime,
    location_id: UUID | None = None,
) -> dict[str, Any]:
    """Buckets and totals of booked, driven and available seconds over the window (of
    one vehicle, or of the fleet or one location's part of it)."""
    keys = bucket_keys(window, step)
    closed: dict[datetime, list[int]] = {k: [0, 0, 0] for k in keys}
    for key, *values in await _closed_sums(db, vehicle_id, window, step, location_id):
        sums = closed[floor_to(key, step)]
        for i, value in enumerate(values):
            sums[i] += value
    since, trips = await _open_starts(db, vehicle_id, window[1], location_id)
    up_open = open_seconds(since, keys, step, window[1])
    driven_open = open_seconds(trips, keys, step, min(now, window[1]))
    buckets, totals = [], [0, 0, 0]
    for i, key in enumerate(keys):
        booked, driven, up = closed[key]
        driven, up = driven + driven_open[i], up + up_open[i]
        buckets.append({"start": key, **figures(booked, driven, up)})
        totals = [totals[0] + booked, totals[1] + driven, totals[2] + up]
    return {"totals": figures(*totals), "buckets": buckets}


async def peak_hours(
    db: Reader, window: Window, location_id: UUID | None = None
) -> list[dict[str, int]]:
    """Booked and driven seconds per (ISO weekday, hour of day), UTC."""
    cells: dict[tuple[int, int], list[int]] = {}
    for hour, booked, driven, _ in await _fleet_hours(db, window, location_id):
        cell = cells.setdefault((hour.isoweekday(), hour.hour), [0, 0])
        cell[0] += booked
        cell[1] += driven
    return [
        {"day_of_week": d, "hour": h, "booked": booked, "driven": driven}
        for (d, h), (booked, driven) in cells.items()
    ]


async def usage_by_vehicle(
    db: Reader, window: Window, location_id: UUID | None = None
) -> list[asyncpg.Record]:
    """Per vehicle (of the location, if given: its home now): closed day sums over the
    window plus its open-interval starts."""
    args: list[Any] = [*window]
    used = in_organization(db, args)
    vehicles = scope(db, args, location_id, "v.")
    rows: list[asyncpg.Record] = await db.fetch(
        "WITH used AS (SELECT vehicle_id, "
        f"{_SUMS} FROM analytics_vehicle_days WHERE day >= $1 AND day < $2{used} GROUP BY 1)"
        " SELECT v.vehicle_id, coalesce(u.booked, 0) AS booked, coalesce(u.driven, 0) AS driven,"
        " coalesce(u.up, 0) AS up, v.in_service_since, v.trip_started_at"
        " FROM analytics_vehicles v LEFT JOIN used u USING (vehicle_id)"
        f" WHERE v.registered_at < $2 AND (v.retired_at IS NULL OR v.retired_at > $1){vehicles}",
        *args,
    )
    return rows


def overlap_seconds(start: datetime | None, window: Window) -> int:
    """Seconds of the open interval [start, window end) inside the window."""
    if start is None or start >= window[1]:
        return 0
    return int((window[1] - max(start, window[0])).total_seconds())


def underutilized(
    rows: Sequence[asyncpg.Record], window: Window, now: datetime, metric: str, threshold: float
) -> list[dict[str, Any]]:
    """Vehicles in service some of the window whose `metric` share is below `threshold`."""
    found = []
    driven_window = (window[0], max(window[0], min(window[1], now)))
    for row in rows:
        up = row["up"] + overlap_seconds(row["in_service_since"], window)
        driven = row["driven"] + overlap_seconds(row["trip_started_at"], driven_window)
        if up <= 0:
            continue
        share = (row["booked"] if metric == "booked" else driven) / up
        if share < threshold:
            found.append(
                {
                    "vehicle_id": row["vehicle_id"],
                    "available_seconds": up,
                    "booked_seconds": row["booked"],
                    "driven_seconds": driven,
                    "utilization": share,
                }
            )
    found.sort(key=lambda item: (item["utilization"], item["vehicle_id"]))
    return found
