"""GET /v1/analytics/...: utilization, peak hours, underutilized vehicles, booking stats,
revenue and vehicles due for service (definitions: docs/analytics.md).

Every figure is summed from the incremental analytics read models over UTC buckets; the
window `[from, to)` is widened to whole buckets and echoed in the answer.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import Query, Request
from pydantic import AwareDatetime

from query_service.api import analytics_models as m
from query_service.api import models
from query_service.api.analytics_params import (
    AnalyticsFrom,
    AnalyticsLimit,
    AnalyticsTo,
    DailyGranularityParam,
    GranularityParam,
    OffsetCursor,
    bucketed,
    coarse_window,
    next_cursor,
    offset_of,
    step_of,
    window,
)
from query_service.api.consistency import read_router
from query_service.api.context import now_of, reader_of
from query_service.api.errors import InvalidQueryError, VehicleNotFoundError
from query_service.api.params import LocationId
from query_service.api.queries import analytics as usage
from query_service.api.queries import analytics_bookings as q
from query_service.api.queries.revenue import revenue as revenue_of
from query_service.api.queries.vehicles import vehicle_exists
from query_service.read_models.spans import DAY
from shared.kit.http.responses import JSON

router = read_router("/v1/analytics", "analytics")
_PROBLEMS = models.READ_PROBLEMS


def _echo(span: tuple[Any, Any], **fields: Any) -> dict[str, Any]:
    return {"from": span[0], "to": span[1], **fields}


@router.get(
    "/fleet/utilization",
    summary="Fleet utilization per bucket",
    response_model=m.Utilization,
    responses=_PROBLEMS,
)
async def fleet_utilization(
    request: Request,
    start: AnalyticsFrom = None,
    end: AnalyticsTo = None,
    granularity: GranularityParam = None,
    location_id: LocationId = None,
) -> JSON:
    """Booked, driven and available (in service) seconds of the whole fleet (or of one
    location) per UTC hour or day, with idle time and utilization (booked or driven over
    available)."""
    now = now_of(request)
    span, chosen = bucketed(start, end, granularity, now)
    db, step = reader_of(request), step_of(chosen)
    figures = await usage.utilization(db, None, span, step, now, location_id)
    return JSON(_echo(span, granularity=chosen, vehicle_id=None, **figures))


@router.get(
    "/vehicles/{vehicle_id}/utilization",
    summary="One vehicle's utilization",
    response_model=m.Utilization,
    responses={**_PROBLEMS, **models.problems(404)},
)
async def vehicle_utilization(
    request: Request,
    vehicle_id: UUID,
    start: AnalyticsFrom = None,
    end: AnalyticsTo = None,
    granularity: GranularityParam = None,
) -> JSON:
    """The fleet figures for one vehicle (404 if it was never projected)."""
    db, now = reader_of(request), now_of(request)
    span, chosen = bucketed(start, end, granularity, now)
    if not await vehicle_exists(db, vehicle_id):
        raise VehicleNotFoundError(f"no vehicle {vehicle_id}")
    figures = await usage.utilization(db, vehicle_id, span, step_of(chosen), now)
    return JSON(_echo(span, granularity=chosen, vehicle_id=vehicle_id, **figures))


@router.get(
    "/peak-hours",
    summary="Booked and driven time by weekday and hour (UTC)",
    response_model=m.PeakHours,
    responses=_PROBLEMS,
)
async def peak_hours(
    request: Request,
    start: AnalyticsFrom = None,
    end: AnalyticsTo = None,
    location_id: LocationId = None,
) -> JSON:
    """Fleet booked and driven seconds in [from, to) per ISO weekday (1 = Monday) and hour
    of day, both in UTC; ended trips only. The window is widened to whole UTC hours (whole
    days beyond 31 days, at most 92)."""
    span = coarse_window(start, end, now_of(request))
    cells = {(d, h): (0, 0) for d in range(1, 8) for h in range(24)}
    for row in await usage.peak_hours(reader_of(request), span, location_id):
        cells[row["day_of_week"], row["hour"]] = (row["booked"], row["driven"])
    out = [_cell(d, h, *v) for (d, h), v in cells.items()]
    by_hour = [
        _cell(
            0, h, sum(cells[d, h][0] for d in range(1, 8)), sum(cells[d, h][1] for d in range(1, 8))
        )
        for h in range(24)
    ]
    return JSON(
        _echo(
            span,
            cells=out,
            by_hour=by_hour,
            peak_booked=_peak(out, "booked_seconds"),
            peak_driven=_peak(out, "driven_seconds"),
        )
    )


def _cell(day: int, hour: int, booked: int, driven: int) -> dict[str, int]:
    return {"day_of_week": day, "hour": hour, "booked_seconds": booked, "driven_seconds": driven}


def _peak(cells: list[dict[str, int]], key: str) -> dict[str, int] | None:
    """The busiest cell (the earliest of equals), or None when nothing was used."""
    best = max(cells, key=lambda c: c[key])
    return best if best[key] > 0 else None


@router.get(
    "/underutilized",
    summary="Vehicles below a utilization threshold",
    response_model=m.Underutilized,
    responses=_PROBLEMS,
)
async def underutilized(
    request: Request,
    start: AnalyticsFrom = None,
    end: AnalyticsTo = None,
    threshold: Annotated[
        float, Query(ge=0, le=1, description="Share of available time, 0..1 (default 0.2).")
    ] = 0.2,
    metric: Annotated[
        Literal["booked", "driven"], Query(description="What counts as used (default booked).")
    ] = "booked",
    location_id: LocationId = None,
    limit: AnalyticsLimit = 50,
    cursor: OffsetCursor = None,
) -> JSON:
    """Vehicles in service during some of [from, to) (widened to whole UTC days) whose
    booked (or driven) time over available time is below `threshold`, lowest first."""
    now = now_of(request)
    span = window(start, end, DAY, now)
    offset = offset_of(cursor, "underutilized")
    rows = await usage.usage_by_vehicle(reader_of(request), span, location_id)
    found = usage.underutilized(rows, span, now, metric, threshold)
    more = next_cursor("underutilized", offset, limit, len(found))
    return JSON(
        _echo(
            span,
            metric=metric,
            threshold=threshold,
            items=found[offset : offset + limit],
            next_cursor=more,
        )
    )


@router.get(
    "/bookings/stats",
    summary="Booking counts, rates, lead time and duration",
    response_model=m.BookingStats,
    responses=_PROBLEMS,
)
async def bookings_stats(
    request: Request,
    start: AnalyticsFrom = None,
    end: AnalyticsTo = None,
    location_id: LocationId = None,
) -> JSON:
    """Bookings whose window starts in [from, to) (widened like peak-hours): counts by
    status, trips, no-shows (no trip 15 min after the end, judged at now), rates, mean lead
    time (start minus confirmation) and mean duration."""
    now = now_of(request)
    span = coarse_window(start, end, now)
    stats = await q.booking_stats(reader_of(request), span, now, location_id)
    return JSON(_echo(span, **stats))


@router.get(
    "/revenue",
    summary="Revenue (price minus refunds, or captured minus refunded) by bucket and vehicle",
    response_model=m.Revenue,
    responses=_PROBLEMS,
)
async def revenue(
    request: Request,
    start: AnalyticsFrom = None,
    end: AnalyticsTo = None,
    granularity: DailyGranularityParam = "day",
    limit: Annotated[int, Query(ge=1, le=500, description="Top vehicles listed.")] = 50,
    location_id: LocationId = None,
) -> JSON:
    """Revenue (integer cents per currency) of the bookings whose window starts in
    [from, to), per UTC day (or hour), in total, and for the top `limit` vehicles: a
    booking without a payment earns its price minus its cancellation refund, one with a
    payment what the payment captured minus what it refunded."""
    step = step_of(granularity)
    span = window(start, end, step, now_of(request))
    figures = await revenue_of(reader_of(request), span, step, limit, location_id)
    return JSON(_echo(span, granularity=granularity, **figures))


@router.get(
    "/maintenance/due",
    summary="Health scores and vehicles due for service",
    response_model=m.MaintenanceDue,
    responses=_PROBLEMS,
)
async def maintenance_due(
    request: Request,
    start: Annotated[
        AwareDatetime | None,
        Query(alias="from", description="Only vehicles that fell due at or after this."),
    ] = None,
    end: Annotated[
        AwareDatetime | None, Query(alias="to", description="The moment judged (default now).")
    ] = None,
    score_below: Annotated[
        int | None, Query(ge=0, le=101, description="Also list vehicles scoring below this.")
    ] = None,
    location_id: LocationId = None,
    limit: AnalyticsLimit = 50,
    cursor: OffsetCursor = None,
) -> JSON:
    """Vehicles (not retired) due for service at `to`: 15,000 km or 365 days since their
    last completed maintenance, with a health score of 0..100 (docs/analytics.md)."""
    at = end or now_of(request)
    if start is not None and start >= at:
        raise InvalidQueryError("to must be after from", "to")
    offset = offset_of(cursor, "maintenance-due")
    rows = await q.service_rows(reader_of(request), location_id)
    found = q.due_list(rows, at, start, score_below)
    more = next_cursor("maintenance-due", offset, limit, len(found))
    return JSON({"at": at, "items": found[offset : offset + limit], "next_cursor": more})
