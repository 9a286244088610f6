"""Migration 0010 on a store written before organizations: nothing rewritten, all `default`'s.

The rows below are what the release before organizations wrote (schema-1 event data, VIN
and plate rows without an organization); after the upgrade they belong to `default`, and
VIN and plate stay unique within it while another organization may use them.
"""

from __future__ import annotations

import shutil
import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest

from command_service.domain import commands as cmd
from command_service.domain import decide, fold
from command_service.domain.errors import PlateTakenError, VinTakenError
from command_service.store.event_store import EventStore
from command_service.store.migrate import MIGRATIONS_DIR, migrate
from command_service.store.pool import create_pool
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.contract.serialization import dumps

VIN, PLATE = "1HGCM82633A900010", "OLD 1"
OLD_DATA = {
    "vin": VIN, "plate": PLATE, "make": "Honda", "model": "Accord", "year": 2023,
    "seats": 5, "hourly_rate_cents": 1000, "daily_rate_cents": 5000, "currency": "EUR",
    "odometer_km": 0, "home": None,
}  # fmt: skip
METADATA = {"correlation_id": "c", "causation_id": "c", "actor": "admin:old"}


async def _written_before_0010(conn: asyncpg.Connection) -> uuid.UUID:
    """A vehicle registered by the release before organizations, as it stored it."""
    vehicle = uuid.uuid4()
    await conn.execute(
        "INSERT INTO events (stream_id, version, event_id, event_type, data, metadata,"
        " occurred_at) VALUES ($1, 1, $2, 'VehicleRegistered', $3::jsonb, $4::jsonb, $5)",
        *(vehicle, uuid.uuid4(), dumps(OLD_DATA).decode(), dumps(METADATA).decode()),
        datetime(2029, 1, 1, tzinfo=UTC),
    )
    await conn.execute("INSERT INTO vehicle_vins (vin, stream_id) VALUES ($1, $2)", VIN, vehicle)
    await conn.execute(
        "INSERT INTO vehicle_plates (plate_key, stream_id) VALUES ('OLD1', $1)", vehicle
    )
    return vehicle


async def _register(store: EventStore, organization: uuid.UUID, **fields: str) -> None:
    command = cmd.RegisterVehicle(
        vehicle_id=uuid.uuid4(), **{"vin": "1HGCM82633A900011", "plate": "NEW 1", **fields},
        make="Honda", model="Jazz", year=2024, seats=5, hourly_rate_cents=900,
        daily_rate_cents=4000, currency="EUR", odometer_km=0, organization_id=organization,
    )  # fmt: skip
    events = decide(None, command, datetime.now(UTC), uuid.uuid4)
    after = fold(events)
    assert after is not None
    await store.append(command.vehicle_id, None, events, after, METADATA)


async def test_an_old_store_upgrades_in_place_and_belongs_to_default(cluster, tmp_path: Path):
    dsn = await cluster.create_database("cmd_organization_migration")
    before = tmp_path / "migrations"
    before.mkdir()
    for path in MIGRATIONS_DIR.glob("[0-9][0-9][0-9][0-9]_*.sql"):
        if int(path.name[:4]) < 10:
            shutil.copy(path, before)
    conn = await asyncpg.connect(dsn)
    pool = await create_pool(dsn, 1, 2)
    try:
        await migrate(conn, before)
        old = await _written_before_0010(conn)
        assert "0010_organization_streams" in await migrate(conn)

        stored = await conn.fetchrow(
            "SELECT organization_id, schema_version, data FROM events WHERE stream_id = $1", old
        )
        assert stored["organization_id"] == DEFAULT_ORGANIZATION_ID
        assert stored["schema_version"] == 1  # not rewritten
        store = EventStore(pool)
        (event,) = await store.read_events(old)
        assert event.organization_id == DEFAULT_ORGANIZATION_ID

        with pytest.raises(VinTakenError):
            await _register(store, DEFAULT_ORGANIZATION_ID, vin=VIN)
        with pytest.raises(PlateTakenError):
            await _register(store, DEFAULT_ORGANIZATION_ID, plate="OLD-1")
        other = uuid.uuid4()
        await _register(store, other, vin=VIN, plate=PLATE)  # the same car at another dealer
        assert (
            await conn.fetchval(
                "SELECT count(*) FROM vehicle_vins WHERE vin = $1 AND organization_id = $2",
                VIN,
                other,
            )
            == 1
        )
    finally:
        await pool.close()
        await conn.close()
