"""GET /v1/bookings and /v1/bookings/{booking_id}."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query, Request

from query_service.api import models
from query_service.api.access import customer_filter, may_see
from query_service.api.consistency import read_router
from query_service.api.context import reader_of
from query_service.api.errors import BookingNotFoundError
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    TIME_ID,
    Cursor,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.params import PRINTABLE, From, LocationId, To, check_window
from query_service.api.queries import bookings as q
from query_service.api.queries import payments
from shared.kit.auth.dependencies import Caller
from shared.kit.http.responses import JSON

router = read_router("/v1", "bookings")
BookingStatus = Literal["confirmed", "cancelled", "completed"]


@router.get(
    "/bookings",
    summary="List bookings",
    response_model=models.Page[models.Booking],
    responses=models.READ_PROBLEMS,
)
async def list_bookings(
    request: Request,
    caller: Caller,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle's.")] = None,
    customer_id: Annotated[UUID | None, Query(description="Only this customer's.")] = None,
    status: Annotated[BookingStatus | None, Query(description="Only this status.")] = None,
    cost_centre: Annotated[
        str | None,
        Query(max_length=500, pattern=PRINTABLE, description="Only those charged to this."),
    ] = None,
    location_id: LocationId = None,
    start_from: From = None,
    end_to: To = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Bookings matching every given filter whose [start, end) overlaps [from, to), by
    start then id: a corporate pool's allocation history filters by employee
    (customer_id), vehicle, cost centre and window."""
    check_window(start_from, end_to)
    after = decode_cursor(cursor, q.KIND, TIME_ID)
    db = reader_of(request)
    rows = await q.list_bookings(
        db,
        vehicle_id=vehicle_id,
        customer_id=customer_filter(caller, customer_id),
        status=status,
        location_id=location_id,
        cost_centre=cost_centre,
        window=(start_from, end_to),
        after=after,
        limit=limit,
    )
    return page_response(await payments.with_payments(db, rows), limit, q.KIND, q.sort_key,
                         q.booking_item)  # fmt: skip


@router.get(
    "/bookings/{booking_id}",
    summary="One booking",
    response_model=models.Booking,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_booking(request: Request, booking_id: UUID, caller: Caller) -> JSON:
    """The booking, whatever its status, with its payment's state."""
    db = reader_of(request)
    row = await q.get_booking(db, booking_id)
    if row is None or not may_see(caller, row["customer_id"]):
        raise BookingNotFoundError(f"no booking {booking_id}")
    return JSON(q.booking_item((await payments.with_payments(db, [row]))[0]))
