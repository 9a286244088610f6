"""Time buckets of the analytics read models: whole UTC hours and days, and fleet slices.

A span `[start, end)` adds to every hour (and day) it covers the seconds it covers there.
Bucket keys are computed here from event times, never by the database's session time zone.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from uuid import UUID

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
