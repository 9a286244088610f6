"""Console reads the public API has no shape for: the fleet board and the refund preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Depends, Query, Request

from query_service.api.context import now_of, pool_of
from query_service.api.errors import BookingNotFoundError
from query_service.api.queries import bookings
from query_service.api.queries.vehicles import health
from query_service.console.session import console_staff
from shared.contract.refunds import refund_cents, refund_percent
from shared.kit.http.responses import JSON

router = APIRouter(
    prefix="/console/api",
    tags=["console"],
    include_in_schema=False,
    dependencies=[Depends(console_staff)],
)
BOARD_LIMIT = 20_000
# Each vehicle with its current or next confirmed booking (the one that ends soonest
# after now), read from the `vehicles` and `bookings` read models.
_BOARD = """
SELECT v.vehicle_id, v.plate, v.make, v.model, v.seats, v.status, v.odometer_km,
       v.km_at_last_service, v.last_service_at, v.home_lat, v.home_lon, v.current_trip_id,
       v.version, b.booking_id, b.customer_id, b.start_at, b.end_at
FROM vehicles v
LEFT JOIN LATERAL (
    SELECT booking_id, customer_id, start_at, end_at FROM bookings
    WHERE vehicle_id = v.vehicle_id AND status = 'confirmed'
      AND start_at > $1::timestamptz - $2::interval AND end_at > $1
    ORDER BY start_at LIMIT 1
) b ON true
"""


def _board_item(row: asyncpg.Record, now: datetime) -> dict[str, Any]:
    booking = None
    if row["booking_id"] is not None:
        booking = {
            "booking_id": row["booking_id"],
            "customer_id": row["customer_id"],
            "start": row["start_at"],
            "end": row["end_at"],
            "current": row["start_at"] <= now,
        }
    lat, lon = row["home_lat"], row["home_lon"]
    return {
        "vehicle_id": row["vehicle_id"],
        "plate": row["plate"],
        "make": row["make"],
        "model": row["model"],
        "seats": row["seats"],
        "status": row["status"],
        "odometer_km": row["odometer_km"],
        "health": health(row, now),
        "home": None if lat is None else {"lat": lat, "lon": lon},
        "on_trip": row["current_trip_id"] is not None,
        "booking": booking,
        "version": row["version"],
    }


@router.get("/board")
async def board(
    request: Request,
    vehicle_id: Annotated[UUID | None, Query(description="Only this vehicle.")] = None,
) -> JSON:
    """Every vehicle (or one) with status, health, odometer, home and current/next booking."""
    now = now_of(request)
    args: list[Any] = [now, bookings.MAX_BOOKING_LENGTH]
    sql = _BOARD
    if vehicle_id is not None:
        sql += " WHERE v.vehicle_id = $3"
        args.append(vehicle_id)
    rows = await pool_of(request).fetch(f"{sql} ORDER BY v.plate LIMIT {BOARD_LIMIT}", *args)
    items = [_board_item(row, now) for row in rows]
    return JSON({"items": items, "server_now": now})


@router.get("/bookings/{booking_id}/refund")
async def refund_preview(request: Request, booking_id: UUID) -> JSON:
    """What cancelling the booking now would refund, by the policy the command side applies."""
    row = await bookings.get_booking(pool_of(request), booking_id)
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
