"""Availability: vehicles with no blocking calendar block overlapping a window.

The bookable vehicles (not inactive, not retired) are walked in answer order and each is
checked against its one `vehicle_busy` row (read_models/busy.py): its bookings and
maintenance windows as a multirange, its holds only while the reader's now < expires_at.
The walk stops once the page is full, so a page costs in proportion to how many vehicles
precede its last free one, not to the fleet or to its bookings. `near` adds a bounding-box
prefilter on the home location and the exact haversine distance.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from functools import cached_property
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.sql import Filters, after_key, page_limit
from query_service.read_models.spans import micros
from shared.contract.pricing import price_of, window_units

KIND = "availability"
_ITEM = ("vehicle_id", "plate", "make", "model", "year", "seats", "currency",
         "hourly_rate_cents", "daily_rate_cents")  # fmt: skip
# What a page's rows carry: the item's columns and the sort key, no more (each column of
# each row is decoded by the driver).
_ANSWERED = ", ".join(f"w.{column}" for column in (*_ITEM, "distance_km"))
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
    location_id: UUID | None = None

    @cached_property
    def units(self) -> tuple[int, int]:
        return window_units(self.start, self.end)


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


def _candidates(filters: Filters, near: Near | None) -> str:
    """The bookable vehicles, with `distance_km` from `near` (NULL without it)."""
    distance = (
        _distance_sql(filters.param(near.lat), filters.param(near.lon)) if near else "NULL::float8"
    )
    return (
        "SELECT * FROM (SELECT vehicle_id, plate, make, model, year, seats, hourly_rate_cents,"
        f" daily_rate_cents, currency, home_lat, home_lon, organization_id, location_id,"
        f" make_key, model_key, {distance} AS distance_km"
        " FROM vehicles WHERE status NOT IN ('inactive', 'retired')) c"
    )


def _blocked(filters: Filters, wanted: Wanted, now: datetime) -> str:
    """The vehicle_busy row `b` blocks [start, end): the union of its bookings and
    maintenance overlaps it (one `&&`), or a hold does that has not expired at the reader's
    now (each hold checked exactly, only when one may still block)."""
    window = f"tstzrange({filters.param(wanted.start)}, {filters.param(wanted.end)}, '[)')"
    at = filters.param(now)
    start, end = filters.param(micros(wanted.start)), filters.param(micros(wanted.end))
    at_us = filters.param(micros(now))
    return (
        f"b.busy && {window} OR b.hold_until > {at} AND b.holds && {window}"
        " AND EXISTS (SELECT 1 FROM jsonb_each(b.hold_blocks::jsonb) h"
        f" WHERE (h.value->>2)::bigint > {at_us} AND (h.value->>0)::bigint < {end}"
        f" AND (h.value->>1)::bigint > {start})"
    )


def availability_sql(
    wanted: Wanted,
    now: datetime,
    after: tuple[Any, ...] | None,
    limit: int,
    organization_id: UUID | None,
) -> tuple[str, list[Any]]:
    """The page's SQL and arguments: the filtered candidates after the cursor in answer
    order, each joined to its vehicle_busy row (none: never blocked) and kept unless it is
    blocked, until `limit` + 1 are found (the extra one marks more).

    The candidates are sorted before the join (a subquery with ORDER BY stays a subquery):
    by id, the join merges them with vehicle_busy's primary key in one pass and stops with
    the page; with a filter another index serves, it checks only as far as the page.
    Only `organization_id`'s vehicles are candidates (None: every organization's)."""
    filters = Filters()
    candidates = _candidates(filters, wanted.near)
    filters.add_if(organization_id, "organization_id = {}")
    filters.add_if(wanted.location_id, "location_id = {}")
    filters.add_if(wanted.make, "make_key = lower({})")
    filters.add_if(wanted.model, "model_key = lower({})")
    filters.add_if(wanted.min_seats, "seats >= {}")
    if wanted.near is not None:
        _near_filters(filters, wanted.near)
    after_key(filters, order_of(wanted), after)
    order = ", ".join(order_of(wanted))
    ordered = f"{candidates} {filters.where()} ORDER BY {order}"
    blocked = _blocked(filters, wanted, now)
    sql = (
        f"SELECT {_ANSWERED} FROM ({ordered}) w LEFT JOIN vehicle_busy b USING (vehicle_id)"
        f" WHERE NOT coalesce({blocked}, false) ORDER BY {order} {page_limit(limit)}"
    )
    return sql, filters.args


def _near_filters(filters: Filters, near: Near) -> None:
    lat_lo, lat_hi, lon_lo, lon_hi = bounding_box(near)
    filters.add("home_lat BETWEEN {} AND {}", lat_lo, lat_hi)
    if lon_lo is not None:
        filters.add("home_lon BETWEEN {} AND {}", lon_lo, lon_hi)
    filters.add("distance_km <= {}", near.radius_km)


def order_of(wanted: Wanted) -> tuple[str, ...]:
    return ("distance_km", "vehicle_id") if wanted.near else ("vehicle_id",)


async def available_vehicles(
    db: Reader, wanted: Wanted, now: datetime, after: tuple[Any, ...] | None, limit: int
) -> list[asyncpg.Record]:
    """Bookable vehicles free for all of [start, end), by id (or distance with `near`)."""
    sql, args = availability_sql(wanted, now, after, limit, db.organization_id)
    rows: list[asyncpg.Record] = await db.fetch(sql, *args)
    return rows


def sort_key(row: asyncpg.Record, wanted: Wanted) -> tuple[Any, ...]:
    return (row["distance_km"], row["vehicle_id"]) if wanted.near else (row["vehicle_id"],)


def available_item(row: asyncpg.Record, wanted: Wanted) -> dict[str, Any]:
    """A free vehicle with the price of the window at its current rates (window_units is
    worked out once per query: Wanted.units)."""
    item = {key: row[key] for key in _ITEM}
    item["price_cents"] = price_of(wanted.units, row["hourly_rate_cents"], row["daily_rate_cents"])
    if wanted.near is not None:
        item["distance_km"] = round(row["distance_km"], 3)
    return item
