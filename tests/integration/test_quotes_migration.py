"""Migration 0013 fills pricing_vehicles (what capacity counts) from the state rows of
the vehicles registered before it."""

from __future__ import annotations

import shutil
import uuid
from pathlib import Path

import asyncpg

from command_service.domain import commands as cmd
from command_service.domain import decide, fold
from command_service.domain.state import without_calendar
from command_service.store.migrate import MIGRATIONS_DIR, migrate
from command_service.store.state_codec import encode_state


def registration(n: int, location_id: uuid.UUID | None = None) -> cmd.RegisterVehicle:
    return cmd.RegisterVehicle(
        vehicle_id=uuid.uuid4(), vin=f"1HGCM82633A90000{n}", plate=f"MIG-{n}", make="Honda",
        model="Accord", year=2023, seats=5, hourly_rate_cents=1000, daily_rate_cents=5000,
        currency="EUR", odometer_km=0, location_id=location_id,
    )  # fmt: skip


async def _stored(conn: asyncpg.Connection, clock, *commands: cmd.Command) -> uuid.UUID:
    """A vehicle's state row after `commands`, written as the append before 0013 did."""
    state = None
    for command in commands:
        state = fold(decide(state, command, clock.now, uuid.uuid4), state)
    assert state is not None
    await conn.execute(
        "INSERT INTO vehicle_state (stream_id, version, state_schema, state)"
        " VALUES ($1, $2, 2, $3)",
        state.vehicle_id,
        state.version,
        encode_state(without_calendar(state)),
    )
    return state.vehicle_id


async def test_existing_vehicles_get_their_matching_facts(cluster, clock, tmp_path: Path):
    dsn = await cluster.create_database("cmd_quotes_migration")
    before = tmp_path / "migrations"
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("*.sql"):
        if int(path.name[:4]) < 13:
            shutil.copy(path, before)
    conn = await asyncpg.connect(dsn)
    try:
        await migrate(conn, before)
        location = uuid.uuid4()
        available = await _stored(conn, clock, registration(1, location))
        inactive = await _stored(
            conn, clock, registration(2), cmd.ChangeVehicleStatus("inactive", "stored")
        )
        retired = await _stored(conn, clock, registration(3), cmd.RetireVehicle("sold"))
        assert "0013_quotes_and_demand" in await migrate(conn)
        rows = {
            r["vehicle_id"]: (r["make"], r["model"], r["location_id"], r["countable"])
            for r in await conn.fetch("SELECT * FROM pricing_vehicles")
        }
    finally:
        await conn.close()
    assert rows == {
        available: ("Honda", "Accord", location, True),
        inactive: ("Honda", "Accord", None, False),
        retired: ("Honda", "Accord", None, False),
    }
