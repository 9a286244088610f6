"""GET /v1/vehicles, /v1/vehicles/{vehicle_id} and its calendar."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
from fastapi import Query, Request
from pydantic import AwareDatetime

from query_service.api import models
from query_service.api.consistency import read_router
from query_service.api.context import Reader, now_of, reader_of
from query_service.api.errors import VehicleNotFoundError
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    TIME_ID,
    Cursor,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.params import LocationId, Make, check_window
from query_service.api.queries import bookings, calendar, trips
from query_service.api.queries import vehicles as q
from query_service.api.queries.payments import with_payments
from shared.kit.http.responses import JSON

router = read_router("/v1", "vehicles")
VehicleStatus = Literal["available", "in_use", "maintenance", "inactive", "retired"]


@router.get(
    "/vehicles",
    summary="List vehicles with status, odometer and health",
    response_model=models.Page[models.Vehicle],
    responses=models.READ_PROBLEMS,
)
async def list_vehicles(
    request: Request,
    status: Annotated[VehicleStatus | None, Query(description="Only this status.")] = None,
    make: Make = None,
    location_id: LocationId = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Every vehicle (retired ones have status `retired`), by id. `health` counts km and
    days since the last completed maintenance: service is due at 15,000 km or 365 days."""
    after = decode_cursor(cursor, q.KIND, (UUID,))
    rows = await q.list_vehicles(
        reader_of(request), status=status, make=make, location_id=location_id, after=after,
        limit=limit,
    )  # fmt: skip
    now = now_of(request)
    return page_response(rows, limit, q.KIND, q.sort_key, lambda row: q.vehicle_item(row, now))


async def _current_booking(
    db: Reader, vehicle: asyncpg.Record, now: datetime
) -> dict[str, Any] | None:
    if vehicle["current_booking_id"] is not None:
        row = await bookings.get_booking(db, vehicle["current_booking_id"])
    else:
        row = await bookings.booking_under_way(db, vehicle["vehicle_id"], now)
    return None if row is None else bookings.booking_item((await with_payments(db, [row]))[0])


async def _current_trip(db: Reader, vehicle: asyncpg.Record) -> dict[str, Any] | None:
    if vehicle["current_trip_id"] is None:
        return None
    row = await trips.get_trip(db, vehicle["current_trip_id"])
    return None if row is None else trips.trip_item(row)


@router.get(
    "/vehicles/{vehicle_id}",
    summary="One vehicle with its current booking and trip",
    response_model=models.VehicleDetail,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_vehicle(request: Request, vehicle_id: UUID) -> JSON:
    """The vehicle, its health, the booking of its running trip (else the confirmed
    booking whose window contains now) and the running trip."""
    db, now = reader_of(request), now_of(request)
    row = await q.get_vehicle(db, vehicle_id)
    if row is None:
        raise VehicleNotFoundError(f"no vehicle {vehicle_id}")
    item = q.vehicle_item(row, now)
    item["current_booking"] = await _current_booking(db, row, now)
    item["current_trip"] = await _current_trip(db, row)
    return JSON(item)


@router.get(
    "/vehicles/{vehicle_id}/calendar",
    summary="A vehicle's calendar blocks in a window",
    response_model=models.Page[models.CalendarBlock],
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def vehicle_calendar(
    request: Request,
    vehicle_id: UUID,
    start_from: Annotated[
        AwareDatetime | None, Query(alias="from", description="Window start (default: now).")
    ] = None,
    end_to: Annotated[
        AwareDatetime | None,
        Query(alias="to", description="Window end, exclusive (default: open)."),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Blocks overlapping [from, to) by start: confirmed bookings, holds not yet past
    expires_at, maintenance windows (a completed one ends at its completion)."""
    db, now = reader_of(request), now_of(request)
    window = (start_from or now, end_to)
    check_window(*window)
    if not await q.vehicle_exists(db, vehicle_id):
        raise VehicleNotFoundError(f"no vehicle {vehicle_id}")
    after = decode_cursor(cursor, calendar.KIND, TIME_ID)
    rows = await calendar.list_blocks(
        db, vehicle_id, window=window, now=now, after=after, limit=limit
    )
    return page_response(rows, limit, calendar.KIND, calendar.sort_key, calendar.block_item)
