"""GET /v1/trips and /v1/trips/{trip_id}."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request

from query_service.api import models
from query_service.api.access import customer_filter, may_see
from query_service.api.consistency import read_router
from query_service.api.context import reader_of
from query_service.api.errors import TripNotFoundError
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    TIME_ID,
    Cursor,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.params import From, To, check_window
from query_service.api.queries import trips as q
from shared.contract.events import TripStatus
from shared.kit.auth.dependencies import Caller
from shared.kit.http.responses import JSON

router = read_router("/v1", "trips")


@router.get(
    "/trips",
    summary="List trips",
    response_model=models.Page[models.Trip],
    responses=models.READ_PROBLEMS,
)
async def list_trips(
    request: Request,
    caller: Caller,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle's.")] = None,
    customer_id: Annotated[UUID | None, Query(description="Only this customer's.")] = None,
    status: Annotated[TripStatus | None, Query(description="Only running or ended.")] = None,
    start_from: From = None,
    end_to: To = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Trips matching every given filter whose [started_at, ended_at) overlaps [from, to)
    (a running trip has no end), by start then id."""
    check_window(start_from, end_to)
    after = decode_cursor(cursor, q.KIND, TIME_ID)
    rows = await q.list_trips(
        reader_of(request),
        vehicle_id=vehicle_id,
        customer_id=customer_filter(caller, customer_id),
        status=status,
        window=(start_from, end_to),
        after=after,
        limit=limit,
    )
    return page_response(rows, limit, q.KIND, q.sort_key, q.trip_item)


@router.get(
    "/trips/{trip_id}",
    summary="One trip",
    response_model=models.Trip,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_trip(request: Request, trip_id: UUID, caller: Caller) -> JSON:
    """The trip, running or ended."""
    row = await q.get_trip(reader_of(request), trip_id)
    if row is None or not may_see(caller, row["customer_id"]):
        raise TripNotFoundError(f"no trip {trip_id}")
    return JSON(q.trip_item(row))
