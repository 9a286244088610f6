"""Query parameters of /v1/analytics/... and the window rule they share."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Annotated, Literal

from fastapi import Query
from pydantic import AwareDatetime

from query_service.api.errors import InvalidQueryError
from query_service.api.pagination import decode_cursor, encode_cursor
from query_service.read_models.spans import DAY, HOUR, ceil_to, floor_to

DEFAULT_SPAN = timedelta(days=7)
MAX_HOURLY_SPAN = timedelta(days=31)  # 744 hour buckets
MAX_SPAN = timedelta(days=92)  # a quarter

AnalyticsFrom = Annotated[
    AwareDatetime | None,
    Query(
        alias="from",
        description="Window start, RFC 3339 with offset; floored to the bucket (UTC hour or "
        "day). Default: `to` minus 7 days.",
    ),
]
AnalyticsTo = Annotated[
    AwareDatetime | None,
    Query(
        alias="to",
        description="Window end, exclusive; ceiled to the bucket. Must be after `from`. "
        "Default: now. At most 31 days after `from` by the hour, 92 days otherwise.",
    ),
]
Granularity = Literal["hour", "day"]
GranularityParam = Annotated[
    Granularity | None,
    Query(
        description="Bucket size: a UTC hour or a UTC day. Default: the finest the window "
        "allows (hour up to 31 days, day up to 92); 422 only when the one asked for is too "
        "fine for the window."
    ),
]
DailyGranularityParam = Annotated[
    Granularity,
    Query(description="Bucket size: a UTC hour (windows up to 31 days) or a UTC day (default)."),
]
AnalyticsLimit = Annotated[int, Query(ge=1, le=500, description="Items per page, 1..500.")]
OffsetCursor = Annotated[
    str | None, Query(max_length=512, description="`next_cursor` of the previous page.")
]


def step_of(granularity: str) -> timedelta:
    return DAY if granularity == "day" else HOUR


def window(
    start: datetime | None, end: datetime | None, step: timedelta, now: datetime
) -> tuple[datetime, datetime]:
    """[from, to) widened to whole buckets of `step`; 422 when empty or too long."""
    if start is not None and end is not None and end <= start:
        raise InvalidQueryError("to must be after from", "to")
    upper = ceil_to(end or now, step)
    lower = floor_to(start, step) if start is not None else upper - DEFAULT_SPAN
    if lower >= upper:
        raise InvalidQueryError("the window is empty: from must be before to (default now)", "to")
    longest = MAX_HOURLY_SPAN if step == HOUR else MAX_SPAN
    if upper - lower > longest:
        raise InvalidQueryError(
            f"the window may span at most {longest.days} days at this granularity"
            + (" (ask for granularity=day, or leave it out)" if step == HOUR else ""),
            "from",
        )
    return lower, upper


def offset_of(cursor: str | None, kind: str) -> int:
    """The offset an analytics list cursor names (0 without one)."""
    found = decode_cursor(cursor, kind, (int,))
    if found is None:
        return 0
    if found[0] < 0:
        raise InvalidQueryError("cursor is invalid for this list", "cursor")
    return int(found[0])


def next_cursor(kind: str, offset: int, limit: int, total: int) -> str | None:
    return encode_cursor(kind, [offset + limit]) if offset + limit < total else None


def bucketed(
    start: datetime | None, end: datetime | None, granularity: Granularity | None, now: datetime
) -> tuple[tuple[datetime, datetime], Granularity]:
    """The window in whole buckets and their size: the one asked for (422 when too fine
    for the window), else the finest the window allows."""
    if granularity is None:
        lower = floor_to(start, HOUR) if start is not None else None
        upper = ceil_to(end or now, HOUR)
        fits_hours = lower is None or upper - lower <= MAX_HOURLY_SPAN
        granularity = "hour" if fits_hours else "day"
    return window(start, end, step_of(granularity), now), granularity


def coarse_window(
    start: datetime | None, end: datetime | None, now: datetime
) -> tuple[datetime, datetime]:
    """For figures without buckets: whole hours up to 31 days, whole days up to 92."""
    return bucketed(start, end, None, now)[0]
