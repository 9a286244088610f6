"""GET /v1/locations and /v1/locations/{location_id}: the caller's organization only."""

from __future__ import annotations

from uuid import UUID

from fastapi import Request

from query_service.api import models
from query_service.api.consistency import read_router
from query_service.api.context import pool_of
from query_service.api.errors import LocationNotFoundError
from query_service.api.pagination import DEFAULT_LIMIT, Cursor, Limit, decode_cursor, page_response
from query_service.api.queries import locations as q
from shared.kit.auth.dependencies import Caller
from shared.kit.http.responses import JSON

router = read_router("/v1", "locations")


@router.get(
    "/locations",
    summary="List the locations (branches) of the caller's organization",
    response_model=models.Page[models.Location],
    responses=models.READ_PROBLEMS,
)
async def list_locations(
    request: Request, caller: Caller, limit: Limit = DEFAULT_LIMIT, cursor: Cursor = None
) -> JSON:
    """Every location of the caller's organization, by id."""
    after = decode_cursor(cursor, q.KIND, (UUID,))
    rows = await q.list_locations(
        pool_of(request), organization_id=caller.organization_id, after=after, limit=limit
    )
    return page_response(rows, limit, q.KIND, q.sort_key, q.location_item)


@router.get(
    "/locations/{location_id}",
    summary="One location of the caller's organization",
    response_model=models.Location,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_location(request: Request, location_id: UUID, caller: Caller) -> JSON:
    """The location; another organization's answers exactly as an unknown id."""
    row = await q.get_location(pool_of(request), location_id, caller.organization_id)
    if row is None:
        raise LocationNotFoundError(f"no location {location_id}")
    return JSON(q.location_item(row))
