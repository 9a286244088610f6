"""Console reads the public API has no shape for: the fleet board and the refund preview."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from query_service.api.context import now_of, reader_of
from query_service.api.errors import BookingNotFoundError
from query_service.api.queries import board as q
from query_service.api.queries import bookings
from query_service.console.session import console_staff
from shared.contract.refunds import refund_cents, refund_percent
from shared.kit.http.responses import JSON

router = APIRouter(
    prefix="/console/api",
    tags=["console"],
    include_in_schema=False,
    dependencies=[Depends(console_staff)],
)


@router.get("/board")
async def board(
    request: Request,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle.")] = None,
) -> JSON:
    """Every vehicle (or one) with status, health, odometer, home and current/next booking."""
    now = now_of(request)
    rows = await q.board_rows(reader_of(request), now, vehicle_id)
    return JSON({"items": [q.board_item(row, now) for row in rows], "server_now": now})


@router.get("/bookings/{booking_id}/refund")
async def refund_preview(request: Request, booking_id: UUID) -> JSON:
    """What cancelling the booking now would refund, by the policy the command side applies."""
    row = await bookings.get_booking(reader_of(request), booking_id)
    if row is None:
        raise BookingNotFoundError(f"no booking {booking_id}")
    now = now_of(request)
    percent = refund_percent(row["start_at"], now)
    return JSON(
        {
            "booking_id": booking_id,
            "status": row["status"],
            "price_cents": row["price_cents"],
            "currency": row["currency"],
            "refund_percent": percent,
            "refund_cents": refund_cents(row["price_cents"], percent),
            "cancellable": row["status"] == "confirmed" and row["start_at"] > now,
            "server_now": now,
        }
    )
