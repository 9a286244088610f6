"""The console's fleet board: each vehicle with its current or next confirmed booking.

"Next" depends on the reader's now, so it is found at read time from the `bookings`
read model (its (vehicle_id, start_at) index bounds each lookup), not kept by a fold.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from query_service.api.context import Reader
from query_service.api.queries.bookings import MAX_BOOKING_LENGTH
from query_service.api.queries.vehicles import health
from query_service.api.sql import in_organization

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


def board_item(row: asyncpg.Record, now: datetime) -> dict[str, Any]:
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


async def board_rows(db: Reader, now: datetime, vehicle_id: UUID | None) -> list[asyncpg.Record]:
    """Every vehicle (or one) of the reader's organization by plate, with its booking
    columns (NULL without one)."""
    args: list[Any] = [now, MAX_BOOKING_LENGTH]
    sql = f"{_BOARD} WHERE true{in_organization(db, args, 'v.organization_id')}"
    if vehicle_id is not None:
        args.append(vehicle_id)
        sql += f" AND v.vehicle_id = ${len(args)}"
    return list(await db.fetch(f"{sql} ORDER BY v.plate LIMIT {BOARD_LIMIT}", *args))
