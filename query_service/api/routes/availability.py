"""GET /v1/availability: which vehicles can be booked for a whole window, at what price."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request
from pydantic import AwareDatetime

from query_service.api import models
from query_service.api.consistency import read_router
from query_service.api.context import now_of, reader_of
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    Cursor,
    Decoder,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.params import (
    MAX_RADIUS_KM,
    LocationId,
    Make,
    Model,
    check_window,
    parse_near,
)
from query_service.api.queries import availability as q
from shared.kit.http.responses import JSON

router = read_router("/v1", "availability")


def _decoders(wanted: q.Wanted) -> tuple[Decoder, ...]:
    return (float, UUID) if wanted.near else (UUID,)


@router.get(
    "/availability",
    summary="Vehicles free for a whole window",
    response_model=models.Page[models.AvailableVehicle],
    responses=models.READ_PROBLEMS,
)
async def availability(
    request: Request,
    start: Annotated[AwareDatetime, Query(description="Window start, RFC 3339 with offset.")],
    end: Annotated[AwareDatetime, Query(description="Window end (exclusive), after start.")],
    make: Make = None,
    model: Model = None,
    min_seats: Annotated[int | None, Query(ge=1, le=99, description="At least this many.")] = None,
    near: Annotated[
        str | None,
        Query(
            max_length=64,
            description="`lat,lon`: only vehicles whose home is within "
            "radius_km, nearest first, with `distance_km`.",
        ),
    ] = None,
    radius_km: Annotated[
        float | None, Query(gt=0, le=MAX_RADIUS_KM, description="Radius for `near` (default 25).")
    ] = None,
    location_id: LocationId = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Vehicles (not inactive, not retired) with no confirmed booking, unexpired hold or
    maintenance window overlapping [start, end), each with the price of that window at its
    current rates (per started 24 h, min(started hours x hourly rate, daily rate)).
    Ordered by vehicle id, or by distance with `near`."""
    check_window(start, end, "end")
    near_ = parse_near(near, radius_km)
    wanted = q.Wanted(start, end, make, model, min_seats, near_, location_id)
    after = decode_cursor(cursor, q.KIND, _decoders(wanted))
    rows = await q.available_vehicles(reader_of(request), wanted, now_of(request), after, limit)
    return page_response(
        rows,
        limit,
        q.KIND,
        lambda row: q.sort_key(row, wanted),
        lambda row: q.available_item(row, wanted),
    )
