"""One shard's buffers for a page of the rebuild: every read-model table of its vehicles."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from query_service.batch.tables import Deltas, RowTable, columns_of
from shared import events as ev

# Row tables: (table, primary key, event fields whose values are keys of that table).
_ROW_TABLES = (
    ("vehicles", "vehicle_id", ("vehicle_id",)),
    ("calendar_blocks", "block_id", ("hold_id", "booking_id", "maintenance_id")),
    ("bookings", "booking_id", ("booking_id",)),
    ("holds", "hold_id", ("hold_id",)),
    ("trips", "trip_id", ("trip_id",)),
    ("maintenance", "maintenance_id", ("maintenance_id",)),
    ("analytics_vehicles", "vehicle_id", ("vehicle_id",)),
    ("analytics_service", "vehicle_id", ("vehicle_id",)),
)
# Bucket tables: (table, key columns).
_SUM_TABLES = (
    ("analytics_vehicle_hours", ["vehicle_id", "hour"]),
    ("analytics_vehicle_days", ["vehicle_id", "day"]),
    ("analytics_fleet_hours", ["hour", "slice"]),
    ("analytics_fleet_bookings", ["hour", "slice", "currency"]),
    ("analytics_vehicle_bookings", ["vehicle_id", "hour", "currency"]),
)
# The field naming the row an event creates: no stored row can exist for it yet.
_CREATES = {
    ev.VehicleRegistered: "vehicle_id",
    ev.BookingConfirmed: "booking_id",
    ev.HoldPlaced: "hold_id",
    ev.TripStarted: "trip_id",
    ev.MaintenanceScheduled: "maintenance_id",
}
_ID_FIELDS = ("vehicle_id", "hold_id", "booking_id", "trip_id", "maintenance_id")
# Per event type, the id fields it carries (hold_id is optional on BookingConfirmed).
_FIELDS_OF = {
    t: tuple(f for f in _ID_FIELDS if f in t.model_fields) for t in ev.EVENT_TYPES.values()
}


class Batch:
    """The rows a shard's page touches, folded in memory, then written back per table."""

    def __init__(self, rows: dict[str, RowTable], sums: dict[str, Deltas]) -> None:
        self.rows, self.sums = rows, sums
        self.vehicles, self.calendar = rows["vehicles"], rows["calendar_blocks"]
        self.bookings, self.holds = rows["bookings"], rows["holds"]
        self.trips, self.maintenance = rows["trips"], rows["maintenance"]
        self.usage, self.service = rows["analytics_vehicles"], rows["analytics_service"]
        self.hours = sums["analytics_vehicle_hours"]
        self.days = sums["analytics_vehicle_days"]
        self.fleet_hours = sums["analytics_fleet_hours"]
        self.fleet_bookings = sums["analytics_fleet_bookings"]
        self.vehicle_bookings = sums["analytics_vehicle_bookings"]
        for spans in (self.hours, self.days, self.fleet_hours):  # analytics.add_span's order
            if spans.values != ["booked_s", "driven_s", "up_s"]:
                raise RuntimeError(f"unexpected bucket columns {spans.values}")

    @classmethod
    async def create(cls, conn: asyncpg.Connection) -> Batch:
        """Buffers shaped after the generation's tables (read once per connection)."""
        rows = {t: RowTable(t, key, await columns_of(conn, t)) for t, key, _ in _ROW_TABLES}
        sums = {t: Deltas(t, keys, await columns_of(conn, t)) for t, keys in _SUM_TABLES}
        return cls(rows, sums)

    async def load(self, conn: asyncpg.Connection, events: Sequence[ev.Event]) -> None:
        """Read the stored rows the page's events refer to, except those it creates."""
        ids: dict[str, set[UUID]] = {field: set() for field in _ID_FIELDS}
        born: set[UUID] = set()
        for e in events:
            kind = type(e)
            for field in _FIELDS_OF[kind]:
                ids[field].add(getattr(e, field))
            if kind in _CREATES:
                born.add(getattr(e, _CREATES[kind]))
        ids["hold_id"].discard(None)  # BookingConfirmed without a hold
        for table, _, fields in _ROW_TABLES:
            keys = set().union(*(ids[f] for f in fields)) - born
            await self.rows[table].load(conn, keys)

    async def flush(self, conn: asyncpg.Connection) -> None:
        for rows in self.rows.values():
            await rows.flush(conn)
        for sums in self.sums.values():
            await sums.flush(conn)
