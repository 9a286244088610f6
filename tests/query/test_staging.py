"""The page applier's staging tables keep nothing between pages (issue 11, the soak)."""

from __future__ import annotations

import uuid
from datetime import timedelta

from command_service.domain import commands as cmd
from query_service.read_models.upsert import COPY_FROM
from tests.query.conftest import Fleet


async def _stage_pages(fleet: Fleet) -> dict[str, int]:
    """Pages of each of the connection's staging tables (temporary: only it sees them)."""
    rows = await fleet.conn.fetch(
        "SELECT relname, pg_relation_size(oid) / 8192 AS pages FROM pg_class"
        " WHERE relname LIKE 'stage_%' AND relnamespace = pg_my_temp_schema()"
    )
    return {row["relname"]: row["pages"] for row in rows}


async def test_pages_written_by_copy_leave_the_staging_tables_empty(fleet: Fleet) -> None:
    """Emptied by DELETE alone, a stage kept every page it was ever written (temporary
    tables are never vacuumed), so each move scanned more dead rows than the last."""
    vehicles = [uuid.uuid4() for _ in range(COPY_FROM + 6)]
    registered = []
    for n, vehicle_id in enumerate(vehicles):
        registered += fleet.decided(vehicle_id, cmd.RegisterVehicle(
            vehicle_id=vehicle_id, vin=f"WVWZZZ1JZXS{n:06d}", plate=f"S-{n:06d}",
            make="Volkswagen", model="Golf", year=2028, seats=5, hourly_rate_cents=1_000,
            daily_rate_cents=6_000, currency="EUR", odometer_km=10_000,
        ))  # fmt: skip
    await fleet.apply(*registered)
    start = fleet.at(days=2).replace(minute=0, second=0, microsecond=0)
    for hour in range(3):  # each page updates stored rows of every vehicle: by the stages
        window = (start + timedelta(hours=hour), start + timedelta(hours=hour + 1))
        page = []
        for vehicle_id in vehicles:
            booking = cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), *window)
            page += fleet.decided(vehicle_id, booking)
        await fleet.apply(*page)
        pages = await _stage_pages(fleet)
        assert pages, "the page wrote no row through a staging table"
        assert set(pages.values()) == {0}, pages
