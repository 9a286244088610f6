"""GET /v1/holds and /v1/holds/{hold_id}."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

from fastapi import Query, Request

from query_service.api import models
from query_service.api.access import customer_filter, may_see
from query_service.api.consistency import read_router
from query_service.api.context import now_of, reader_of
from query_service.api.errors import HoldNotFoundError
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    TIME_ID,
    Cursor,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.queries import holds as q
from shared.kit.auth.dependencies import Caller
from shared.kit.http.responses import JSON

router = read_router("/v1", "holds")
HoldStatus = Literal["active", "confirmed", "released", "expired"]


@router.get(
    "/holds",
    summary="List holds",
    response_model=models.Page[models.Hold],
    responses=models.READ_PROBLEMS,
)
async def list_holds(
    request: Request,
    caller: Caller,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle's.")] = None,
    customer_id: Annotated[UUID | None, Query(description="Only this customer's.")] = None,
    status: Annotated[
        HoldStatus | None,
        Query(description="`active` holds block until expires_at; past it they are `expired`."),
    ] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Holds matching every given filter, by start then id."""
    now = now_of(request)
    after = decode_cursor(cursor, q.KIND, TIME_ID)
    rows = await q.list_holds(
        reader_of(request),
        vehicle_id=vehicle_id,
        customer_id=customer_filter(caller, customer_id),
        status=status,
        now=now,
        after=after,
        limit=limit,
    )
    return page_response(rows, limit, q.KIND, q.sort_key, lambda row: q.hold_item(row, now))


@router.get(
    "/holds/{hold_id}",
    summary="One hold",
    response_model=models.Hold,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_hold(request: Request, hold_id: UUID, caller: Caller) -> JSON:
    """The hold; its status reads `expired` once expires_at has passed."""
    row = await q.get_hold(reader_of(request), hold_id)
    if row is None or not may_see(caller, row["customer_id"]):
        raise HoldNotFoundError(f"no hold {hold_id}")
    return JSON(q.hold_item(row, now_of(request)))
