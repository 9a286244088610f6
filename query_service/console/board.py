"""Console reads the public API has no shape for: the fleet board and the refund preview."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Request

from query_service.api.context import now_of, reader_of
from query_service.api.errors import BookingNotFoundError
from query_service.api.queries import board as q
from query_service.api.queries import bookings, payments
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
    """Every vehicle (or one) with status, health, odometer, home and current/next booking
    (with its payment's state)."""
    now, db = now_of(request), reader_of(request)
    items = [q.board_item(row, now) for row in await q.board_rows(db, now, vehicle_id)]
    booked = [item["booking"] for item in items if item["booking"] is not None]
    paid = await payments.payments_of(db, [b["booking_id"] for b in booked])
    for booking in booked:
        booking["payment"] = paid.get(booking["booking_id"])
    return JSON({"items": items, "server_now": now})


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
