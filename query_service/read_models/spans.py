"""Time buckets of the analytics read models: whole UTC hours and days, and fleet slices.

A span `[start, end)` adds to every hour (and day) it covers the seconds it covers there.
Bucket keys are computed here from event times, never by the database's session time zone.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import NamedTuple
from uuid import UUID

HOUR = timedelta(hours=1)
# Fleet rows are also keyed by location (part of their primary key, so never NULL): this
# stands for "no location".
NO_LOCATION = UUID(int=0)
DAY = timedelta(days=1)
# Fleet rows are split by vehicle_id mod FLEET_SLICES so that no two rebuild shards
# (vehicle_id mod replay.SHARDS, which must divide this) ever update the same row.
FLEET_SLICES = 4
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
MICROSECOND = timedelta(microseconds=1)
_S = 1_000_000  # microseconds in a second


def micros(moment: datetime) -> int:
    """Microseconds since the Unix epoch (exact: timestamps have microsecond precision)."""
    return (moment - EPOCH) // MICROSECOND


def location_key(location_id: UUID | None) -> UUID:
    return NO_LOCATION if location_id is None else location_id


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


class Cover(NamedTuple):
    """How a span covers buckets of one length (indexes count buckets since the epoch):
    `first_s` whole seconds in bucket `first`, `last_s` in bucket `last`, and every bucket
    in between whole. The one definition of "seconds a span covers in a bucket". (A
    tuple: a rebuild makes two per booking, and a frozen dataclass costs a microsecond.)"""

    first: int
    last: int
    first_s: int
    last_s: int


def cover(start_us: int, end_us: int, step: timedelta) -> Cover:
    """The buckets of length `step` that `[start_us, end_us)` covers (microseconds since
    the epoch, end > start: a span's are computed once for all its tables)."""
    step_us, s, e = step // MICROSECOND, start_us, end_us
    first, last = s // step_us, (e - 1) // step_us
    if first == last:
        return Cover(first, last, (e - s) // _S, (e - s) // _S)
    return Cover(first, last, ((first + 1) * step_us - s) // _S, (e - last * step_us) // _S)


@functools.lru_cache(maxsize=1 << 16)  # pages add to the same few hours again and again
def bucket_start(index: int, step: timedelta) -> datetime:
    return EPOCH + index * step


def buckets(start: datetime, end: datetime, step: timedelta) -> tuple[list[datetime], list[int]]:
    """Bucket starts of `[start, end)` and the whole seconds the span covers in each."""
    if end <= start:
        return [], []
    c, whole = cover(micros(start), micros(end), step), int(step.total_seconds())
    keys = [bucket_start(i, step) for i in range(c.first, c.last + 1)]
    seconds = [c.first_s] + [whole] * (c.last - c.first - 1) + [c.last_s]
    return keys, seconds[: len(keys)]
