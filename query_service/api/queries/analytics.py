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

from query_service.read_models.spans import DAY, HOUR, buckets, floor_to

Window = tuple[datetime, datetime]
_SUMS = "sum(booked_s)::bigint AS booked, sum(driven_s)::bigint AS driven, sum(up_s)::bigint AS up"


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
    pool: asyncpg.Pool, vehicle_id: UUID | None, window: Window, step: timedelta
) -> list[tuple[datetime, int, int, int]]:
    """(bucket, booked, driven, up) of the closed intervals: fleet rows are hourly."""
    if vehicle_id is not None and step != DAY:
        return await _vehicle_hours(pool, vehicle_id, window)
    if vehicle_id is None:
        return await _fleet_hours(pool, window)
    rows = await pool.fetch(
        f"SELECT day AS k, {_SUMS} FROM analytics_vehicle_days"
        " WHERE day >= $1 AND day < $2 AND vehicle_id = $3 GROUP BY 1",
        *window,
        vehicle_id,
    )
    return [(r["k"], r["booked"], r["driven"], r["up"]) for r in rows]


async def _fleet_hours(pool: asyncpg.Pool, window: Window) -> list[tuple[datetime, int, int, int]]:
    """Every hour of the (whole-hour) window: its partial seconds plus an hour per span
    covering it whole, counted from the edges of every hour up to it (usage.py)."""
    edges = "sum(booked_w)::bigint, sum(driven_w)::bigint, sum(up_w)::bigint"
    before = await pool.fetchrow(
        f"SELECT {edges} FROM analytics_fleet_hours WHERE hour < $1", window[0]
    )
    rows = await pool.fetch(
        f"SELECT hour, {_SUMS}, {edges} FROM analytics_fleet_hours"
        " WHERE hour >= $1 AND hour < $2 GROUP BY 1",
        *window,
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
    pool: asyncpg.Pool, vehicle_id: UUID, window: Window
) -> list[tuple[datetime, int, int, int]]:
    """One vehicle's hours, cut from its spans (a span's weight is its seconds: ±1 each)."""
    rows = await pool.fetch(
        "SELECT start_at, end_at, booked_s, driven_s, up_s FROM analytics_vehicle_spans"
        " WHERE vehicle_id = $1 AND end_at > $2 AND start_at < $3",
        vehicle_id,
        *window,
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
    pool: asyncpg.Pool, vehicle_id: UUID | None, end: datetime
) -> tuple[list[datetime], list[datetime]]:
    """Sorted starts of open in-service intervals and of running trips before `end`."""
    rows = await pool.fetch(
        "SELECT in_service_since, trip_started_at FROM analytics_vehicles"
        " WHERE ($1::uuid IS NULL OR vehicle_id = $1)"
        " AND (in_service_since < $2 OR trip_started_at < $2)",
        vehicle_id,
        end,
    )
    since = sorted(r[0] for r in rows if r[0] is not None and r[0] < end)
    trips = sorted(r[1] for r in rows if r[1] is not None and r[1] < end)
    return since, trips


async def utilization(
    pool: asyncpg.Pool, vehicle_id: UUID | None, window: Window, step: timedelta, now: datetime
) -> dict[str, Any]:
    """Buckets and totals of booked, driven and available seconds over the window."""
    keys = bucket_keys(window, step)
    closed: dict[datetime, list[int]] = {k: [0, 0, 0] for k in keys}
    for key, *values in await _closed_sums(pool, vehicle_id, window, step):
        sums = closed[floor_to(key, step)]
        for i, value in enumerate(values):
            sums[i] += value
    since, trips = await _open_starts(pool, vehicle_id, window[1])
    up_open = open_seconds(since, keys, step, window[1])
    driven_open = open_seconds(trips, keys, step, min(now, window[1]))
    buckets, totals = [], [0, 0, 0]
    for i, key in enumerate(keys):
        booked, driven, up = closed[key]
        driven, up = driven + driven_open[i], up + up_open[i]
        buckets.append({"start": key, **figures(booked, driven, up)})
        totals = [totals[0] + booked, totals[1] + driven, totals[2] + up]
    return {"totals": figures(*totals), "buckets": buckets}


async def peak_hours(pool: asyncpg.Pool, window: Window) -> list[dict[str, int]]:
    """Booked and driven seconds per (ISO weekday, hour of day), UTC."""
    cells: dict[tuple[int, int], list[int]] = {}
    for hour, booked, driven, _ in await _fleet_hours(pool, window):
        cell = cells.setdefault((hour.isoweekday(), hour.hour), [0, 0])
        cell[0] += booked
        cell[1] += driven
    return [
        {"day_of_week": d, "hour": h, "booked": booked, "driven": driven}
        for (d, h), (booked, driven) in cells.items()
    ]


async def usage_by_vehicle(pool: asyncpg.Pool, window: Window) -> list[asyncpg.Record]:
    """Per vehicle: closed day sums over the window plus its open-interval starts."""
    rows: list[asyncpg.Record] = await pool.fetch(
        "WITH used AS (SELECT vehicle_id, "
        f"{_SUMS} FROM analytics_vehicle_days WHERE day >= $1 AND day < $2 GROUP BY 1)"
        " SELECT v.vehicle_id, coalesce(u.booked, 0) AS booked, coalesce(u.driven, 0) AS driven,"
        " coalesce(u.up, 0) AS up, v.in_service_since, v.trip_started_at"
        " FROM analytics_vehicles v LEFT JOIN used u USING (vehicle_id)"
        " WHERE v.registered_at < $2 AND (v.retired_at IS NULL OR v.retired_at > $1)",
        *window,
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
