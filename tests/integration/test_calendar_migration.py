"""Migration 0007 builds calendar rows from the state rows written before it."""

from __future__ import annotations

import shutil
import uuid
from dataclasses import replace
from datetime import timedelta
from pathlib import Path

import asyncpg
import orjson

from command_service.domain import VehicleState, decide, fold, state_to_json
from command_service.domain import commands as cmd
from command_service.domain.scope import CalendarScope
from command_service.domain.state import without_calendar
from command_service.store.event_store import EventStore
from command_service.store.migrate import MIGRATIONS_DIR, migrate
from command_service.store.pool import create_pool

REGISTRATION = cmd.RegisterVehicle(
    vehicle_id=uuid.uuid4(), vin="1HGCM82633A900001", plate="MIG-1", make="Honda",
    model="Accord", year=2023, seats=5, hourly_rate_cents=1000, daily_rate_cents=5000,
    currency="EUR", odometer_km=0,
)  # fmt: skip


def full_calendar_commands(now) -> list[cmd.Command]:
    """A booking, a hold, a maintenance window and a cancelled booking."""
    cancelled = uuid.uuid4()
    maintenance = uuid.uuid4()
    hour = timedelta(hours=1)
    return [
        cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), now + 5 * hour, now + 6 * hour),
        cmd.PlaceHold(uuid.uuid4(), uuid.uuid4(), now + 8 * hour, now + 9 * hour, 600),
        cmd.BookVehicle(cancelled, uuid.uuid4(), now + 30 * hour, now + 31 * hour),
        cmd.CancelBooking(cancelled, reason="plans changed"),
        cmd.ScheduleMaintenance(maintenance, now + 10 * hour, now + 20 * hour, "tyres"),
    ]


async def test_blocks_are_built_from_state_rows_of_the_old_layout(cluster, clock, tmp_path: Path):
    dsn = await cluster.create_database("cmd_calendar_migration")
    before_0007 = tmp_path / "migrations"
    before_0007.mkdir()
    for path in sorted(MIGRATIONS_DIR.glob("000[1-6]_*.sql")):
        shutil.copy(path, before_0007)
    conn = await asyncpg.connect(dsn)
    pool = await create_pool(dsn, 1, 2)
    try:
        await migrate(conn, before_0007)
        state = await _old_layout_vehicle(conn, clock)
        assert (await migrate(conn))[0] == "0007_calendar_blocks"  # and every later one
        store = EventStore(pool)
        loaded = await store.load(state.vehicle_id, CalendarScope(live_at=clock.now))
        assert loaded.state == state
        by_id = CalendarScope(ids=(state.bookings[1].booking_id,))
        loaded = await store.load(state.vehicle_id, by_id)
        assert loaded.state == replace(state, bookings=state.bookings[1:], holds=(), maintenance=())
        row = await conn.fetchrow("SELECT state, state_schema FROM vehicle_state")
        assert row["state_schema"] == 2
        assert orjson.loads(row["state"]) == state_to_json(without_calendar(state))
    finally:
        await pool.close()
        await conn.close()


async def _old_layout_vehicle(conn, clock) -> VehicleState:
    """A vehicle whose state row is written as before 0007: the whole calendar inside."""
    state = fold(decide(None, REGISTRATION, clock.now, uuid.uuid4))
    for command in full_calendar_commands(clock.now):
        state = fold(decide(state, command, clock.now, uuid.uuid4), state)
    assert state is not None
    await conn.execute(
        "INSERT INTO vehicle_state (stream_id, version, state_schema, state)"
        " VALUES ($1, $2, 1, $3)",
        state.vehicle_id,
        state.version,
        orjson.dumps(state_to_json(state)),
    )
    return state
