"""GET /v1/payments and /v1/payments/{payment_id}: a payment with its ledger entries."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import Query, Request

from query_service.api import models
from query_service.api.access import customer_filter, may_see
from query_service.api.consistency import read_router
from query_service.api.context import reader_of
from query_service.api.errors import PaymentNotFoundError
from query_service.api.pagination import (
    DEFAULT_LIMIT,
    TIME_ID,
    Cursor,
    Limit,
    decode_cursor,
    page_response,
)
from query_service.api.queries import payments as q
from shared.kit.auth.dependencies import Caller
from shared.kit.http.responses import JSON

router = read_router("/v1", "payments")


@router.get(
    "/payments",
    summary="List payments (a booking's, with booking_id)",
    response_model=models.Page[models.Payment],
    responses=models.READ_PROBLEMS,
)
async def list_payments(
    request: Request,
    caller: Caller,
    booking_id: Annotated[UUID | None, Query(description="Only this booking's.")] = None,
    limit: Limit = DEFAULT_LIMIT,
    cursor: Cursor = None,
) -> JSON:
    """Payments by start then id; a customer sees only their own, staff their
    organization's."""
    after = decode_cursor(cursor, q.KIND, TIME_ID)
    rows = await q.list_payments(
        reader_of(request),
        booking_id=booking_id,
        customer_id=customer_filter(caller, None),
        after=after,
        limit=limit,
    )
    return page_response(rows, limit, q.KIND, q.sort_key, q.payment_item)


@router.get(
    "/payments/{payment_id}",
    summary="One payment with its ledger entries",
    response_model=models.Payment,
    responses={**models.READ_PROBLEMS, **models.problems(404)},
)
async def get_payment(request: Request, payment_id: UUID, caller: Caller) -> JSON:
    """The payment, whatever its status; another customer's answers as an unknown id."""
    row = await q.get_payment(reader_of(request), payment_id)
    if row is None or not may_see(caller, row["customer_id"]):
        raise PaymentNotFoundError(f"no payment {payment_id}")
    return JSON(row)
