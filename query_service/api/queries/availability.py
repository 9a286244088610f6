"""Availability: vehicles with no blocking calendar block overlapping a window.

Blocked vehicles are found through the GiST index on `calendar_blocks.period` (every block
overlapping [start, end), holds only while the reader's now < expires_at) and anti-joined
from the bookable vehicles (not inactive, not retired). `near` adds a bounding-box
prefilter on the home location and the exact haversine distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg

from query_service.api.sql import Filters, after_key, fetch_page
from shared.contract.pricing import price_cents

KIND = "availability"
EARTH_RADIUS_KM = 6371.0088


@dataclass(frozen=True)
class Near:
    lat: float
    lon: float
    radius_km: float


@dataclass(frozen=True)
class Wanted:
    """The window and the optional vehicle filters of an availability query."""

    start: datetime
    end: datetime
    make: str | None = None
    model: str | None = None
    min_seats: int | None = None
    near: Near | None = None


def bounding_box(near: Near) -> tuple[float, float, float | None, float | None]:
    """(lat_lo, lat_hi, lon_lo, lon_hi) around the circle; lon None when it spans them all."""
    angle = near.radius_km / EARTH_RADIUS_KM
    lat_lo, lat_hi = near.lat - math.degrees(angle), near.lat + math.degrees(angle)
    if lat_lo <= -90 or lat_hi >= 90:
        return max(lat_lo, -90.0), min(lat_hi, 90.0), None, None  # a pole is inside
    ratio = math.sin(angle) / math.cos(math.radians(near.lat))
    delta = math.degrees(math.asin(min(ratio, 1.0)))
    if near.lon - delta < -180 or near.lon + delta > 180:
        return lat_lo, lat_hi, None, None  # crosses the antimeridian: latitude only
    return lat_lo, lat_hi, near.lon - delta, near.lon + delta


def _distance_sql(lat: str, lon: str) -> str:
    return (
        f"2 * {EARTH_RADIUS_KM} * asin(least(1.0, sqrt("
        f"power(sin(radians(home_lat - {lat}) / 2), 2) + cos(radians({lat}))"
        f" * cos(radians(home_lat)) * power(sin(radians(home_lon - {lon}) / 2), 2))))"
    )


def _select(filters: Filters, wanted: Wanted, now: datetime) -> str:
    start, end, at = filters.param(wanted.start), filters.param(wanted.end), filters.param(now)
    near = wanted.near
    distance = (
        _distance_sql(filters.param(near.lat), filters.param(near.lon)) if near else "NULL::float8"
    )
    # MATERIALIZED: find the blocked vehicles once, through the GiST index on period, and
    # hash anti-join them. Left to itself the planner may walk the per-vehicle btree
    # instead, which reads tens of thousands of entries for a busy fleet.
    return (
        "WITH blocked AS MATERIALIZED (SELECT vehicle_id FROM calendar_blocks"
        f" WHERE period && tstzrange({start}, {end}, '[)')"
        f" AND (expires_at IS NULL OR expires_at > {at}))"
        " SELECT * FROM (SELECT vehicle_id, plate, make, model, year, seats, hourly_rate_cents,"
        f" daily_rate_cents, currency, home_lat, home_lon, {distance} AS distance_km"
        " FROM vehicles v WHERE status NOT IN ('inactive', 'retired') AND NOT EXISTS ("
        " SELECT 1 FROM blocked b WHERE b.vehicle_id = v.vehicle_id)) c"
    )


def _near_filters(filters: Filters, near: Near) -> None:
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(near)
    filters.add("home_lat BETWEEN {} AND {}", lat_lo, lat_hi)
    if lon_lo is not None:
        filters.add("home_lon BETWEEN {} AND {}", lon_lo, lon_hi)
    filters.add("distance_km <= {}", near.radius_km)


def order_of(wanted: Wanted) -> tuple[str, ...]:
    return ("distance_km", "vehicle_id") if wanted.near else ("vehicle_id",)


async def available_vehicles(
    pool: asyncpg.Pool, wanted: Wanted, now: datetime, after: tuple[Any, ...] | None, limit: int
) -> list[asyncpg.Record]:
    """Bookable vehicles free for all of [start, end), by id (or distance with `near`)."""
    filters = Filters()
    select = _select(filters, wanted, now)
    filters.add_if(wanted.make, "lower(make) = lower({})")
    filters.add_if(wanted.model, "lower(model) = lower({})")
    filters.add_if(wanted.min_seats, "seats >= {}")
    if wanted.near is not None:
        _near_filters(filters, wanted.near)
    after_key(filters, order_of(wanted), after)
    return await fetch_page(pool, select, filters, order_of(wanted), limit)


def sort_key(row: asyncpg.Record, wanted: Wanted) -> tuple[Any, ...]:
    return (row["distance_km"], row["vehicle_id"]) if wanted.near else (row["vehicle_id"],)


def available_item(row: asyncpg.Record, wanted: Wanted) -> dict[str, Any]:
    """A free vehicle with the price of the window at its current rates."""
    item = {
        key: row[key]
        for key in ("vehicle_id", "plate", "make", "model", "year", "seats", "currency",
                    "hourly_rate_cents", "daily_rate_cents")
    }  # fmt: skip
    item["price_cents"] = price_cents(
        wanted.start, wanted.end, row["hourly_rate_cents"], row["daily_rate_cents"]
    )
    if wanted.near is not None:
        item["distance_km"] = round(row["distance_km"], 3)
    return item
