"""Time buckets of the analytics read models: whole UTC hours and days, and fleet slices.

A span `[start, end)` adds to every hour (and day) it covers the seconds it covers there;
one statement upserts all of them (arrays through `unnest`). Bucket keys are computed here
from event times, never by the database's session time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

import asyncpg

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)
# Fleet rows are split by vehicle_id mod FLEET_SLICES so that no two rebuild shards
# (vehicle_id mod REPLAY_CONNECTIONS, which must divide this) ever update the same row.
FLEET_SLICES = 4


def slice_of(vehicle_id: UUID) -> int:
    return vehicle_id.int % FLEET_SLICES


def floor_to(moment: datetime, step: timedelta) -> datetime:
    """The start of the UTC bucket of length `step` (an hour or a day) holding `moment`."""
    moment = moment.astimezone(UTC)
    if step == DAY:
        return moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return moment.replace(minute=0, second=0, microsecond=0)


def ceil_to(moment: datetime, step: timedelta) -> datetime:
    floored = floor_to(moment, step)
    return floored if floored == moment else floored + step


def buckets(start: datetime, end: datetime, step: timedelta) -> tuple[list[datetime], list[int]]:
    """Bucket starts of `[start, end)` and the whole seconds the span covers in each."""
    keys: list[datetime] = []
    seconds: list[int] = []
    cursor = floor_to(start, step)
    while cursor < end:
        covered = min(end, cursor + step) - max(start, cursor)
        keys.append(cursor)
        seconds.append(int(covered.total_seconds()))
        cursor += step
    return keys, seconds


_ADD_SPAN = """
WITH hours AS (
    INSERT INTO analytics_vehicle_hours AS t (vehicle_id, hour, booked_s, driven_s, up_s)
    SELECT $1, b, s * $4, s * $5, s * $6 FROM unnest($2::timestamptz[], $3::int[]) AS u(b, s)
    ON CONFLICT (vehicle_id, hour) DO UPDATE SET booked_s = t.booked_s + EXCLUDED.booked_s,
        driven_s = t.driven_s + EXCLUDED.driven_s, up_s = t.up_s + EXCLUDED.up_s
), fleet AS (
    INSERT INTO analytics_fleet_hours AS t (hour, slice, booked_s, driven_s, up_s)
    SELECT b, $7, s * $4, s * $5, s * $6 FROM unnest($2::timestamptz[], $3::int[]) AS u(b, s)
    ON CONFLICT (hour, slice) DO UPDATE SET booked_s = t.booked_s + EXCLUDED.booked_s,
        driven_s = t.driven_s + EXCLUDED.driven_s, up_s = t.up_s + EXCLUDED.up_s
)
INSERT INTO analytics_vehicle_days AS t (vehicle_id, day, booked_s, driven_s, up_s)
SELECT $1, b, s * $4, s * $5, s * $6 FROM unnest($8::timestamptz[], $9::int[]) AS u(b, s)
ON CONFLICT (vehicle_id, day) DO UPDATE SET booked_s = t.booked_s + EXCLUDED.booked_s,
    driven_s = t.driven_s + EXCLUDED.driven_s, up_s = t.up_s + EXCLUDED.up_s
"""


async def add_span(
    conn: asyncpg.Connection,
    vehicle_id: UUID,
    span: tuple[datetime, datetime],
    weights: tuple[int, int, int],
) -> None:
    """Add `weights` (booked, driven, in service: each -1, 0 or 1) times the seconds of `span`
    to the vehicle's hour and day rows and to its fleet slice's hour rows."""
    start, end = span
    if end <= start:
        return
    hours, hour_seconds = buckets(start, end, HOUR)
    days, day_seconds = buckets(start, end, DAY)
    booked, driven, up = weights
    await conn.execute(
        _ADD_SPAN, vehicle_id, hours, hour_seconds, booked, driven, up,
        slice_of(vehicle_id), days, day_seconds,
    )  # fmt: skip
