"""GET /v1/maintenance and /v1/maintenance/{maintenance_id}."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query, Request

from query_service.api import models
from query_service.api.consistency import read_router
from query_service.api.context import reader_of
from query_service.api.errors import MaintenanceNotFoundError
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    TIME_ID,
    Cursor,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.params import From, To, check_window
from query_service.api.queries import maintenance as q
from shared.kit.http.responses import JSON

router = read_router("/v1", "maintenance")
MaintenanceStatus = Literal["scheduled", "completed"]


@router.get(
    "/maintenance",
    summary="List maintenance windows",
    response_model=models.Page[models.Maintenance],
    responses=models.READ_PROBLEMS,
)
async def list_maintenance(
    request: Request,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle's.")] = None,
    status: Annotated[MaintenanceStatus | None, Query(description="Only this status.")] = None,
    start_from: From = None,
    end_to: To = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Maintenance windows matching every given filter whose planned [start, end) overlaps
    [from, to), by start then id."""
    check_window(start_from, end_to)
    after = decode_cursor(cursor, q.KIND, TIME_ID)
    rows = await q.list_maintenance(
        reader_of(request),
        vehicle_id=vehicle_id,
        status=status,
        window=(start_from, end_to),
        after=after,
        limit=limit,
    )
    return page_response(rows, limit, q.KIND, q.sort_key, q.maintenance_item)


@router.get(
    "/maintenance/{maintenance_id}",
    summary="One maintenance window",
    response_model=models.Maintenance,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_maintenance(request: Request, maintenance_id: UUID) -> JSON:
    """The maintenance window, scheduled or completed."""
    row = await q.get_maintenance(reader_of(request), maintenance_id)
    if row is None:
        raise MaintenanceNotFoundError(f"no maintenance {maintenance_id}")
    return JSON(q.maintenance_item(row))
