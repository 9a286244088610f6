"""Read models: each event type, applied through the page applier, gives the expected rows."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg

from command_service.domain import commands as cmd
from command_service.domain import decide
from query_service.applier import PageApplier
from query_service.store.schemas import connect, create_schema, new_schema_name
from shared.contract.events import Location
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.query.conftest import Fleet, ReadSide

TABLES = ("vehicles", "calendar_blocks", "bookings", "holds", "trips", "maintenance")


async def row(conn: asyncpg.Connection, table: str, key: str, value: Any) -> dict[str, Any]:
    found = await conn.fetchrow(f"SELECT * FROM {table} WHERE {key} = $1", value)
    assert found is not None, f"no {table} row {value}"
    return dict(found)


async def block(fleet: Fleet, block_id: uuid.UUID) -> tuple[str, Any, Any, Any] | None:
    found = await fleet.conn.fetchrow(
        "SELECT kind, lower(period), upper(period), expires_at FROM calendar_blocks"
        " WHERE block_id = $1",
        block_id,
    )
    return None if found is None else (found[0], found[1], found[2], found[3])


async def test_registration_projects_every_registration_field(fleet: Fleet) -> None:
    vehicle_id = await fleet.register(make="Skoda", model="Octavia", seats=7, year=2027)

    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)

    registered_at = fleet.clock.now
    assert vehicle == {
        "vehicle_id": vehicle_id,
        "vin": vehicle["vin"],
        "plate": vehicle["plate"],
        "make": "Skoda",
        "model": "Octavia",
        "year": 2027,
        "seats": 7,
        "hourly_rate_cents": 1_000,
        "daily_rate_cents": 6_000,
        "currency": "EUR",
        "home_lat": 52.52,
        "home_lon": 13.405,
        "location_id": None,
        "status": "available",
        "retired": False,
        "retired_at": None,
        "odometer_km": 10_000,
        "km_at_last_service": 10_000,
        "last_service_at": registered_at,
        "current_booking_id": None,
        "current_trip_id": None,
        "version": 1,
        "registered_at": registered_at,
        "updated_at": registered_at,
        "organization_id": DEFAULT_ORGANIZATION_ID,
        "make_key": "skoda",  # what make and model filters compare (generated)
        "model_key": "octavia",
    }


async def test_details_update_changes_only_the_fields_it_carries(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    fleet.clock.advance(hours=1)

    await fleet.run(
        vehicle_id,
        cmd.UpdateVehicleDetails(
            model="ID.3", hourly_rate_cents=1_500, home=Location(lat=48.1, lon=11.6)
        ),
    )

    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    assert (vehicle["make"], vehicle["model"], vehicle["seats"]) == ("Volkswagen", "ID.3", 5)
    assert (vehicle["hourly_rate_cents"], vehicle["daily_rate_cents"]) == (1_500, 6_000)
    assert (vehicle["home_lat"], vehicle["home_lon"]) == (48.1, 11.6)
    assert (vehicle["version"], vehicle["updated_at"]) == (2, fleet.clock.now)


async def test_status_change_and_retirement_set_the_status(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    await fleet.run(vehicle_id, cmd.ChangeVehicleStatus("inactive", "winter"))
    assert (await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id))["status"] == "inactive"

    await fleet.run(vehicle_id, cmd.RetireVehicle("sold"))

    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    assert (vehicle["status"], vehicle["retired"]) == ("retired", True)
    assert vehicle["retired_at"] == fleet.clock.now


async def test_placed_hold_is_a_hold_row_and_a_block_until_it_expires(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    start, end = fleet.at(hours=2), fleet.at(hours=5)

    hold_id = await fleet.hold(vehicle_id, start, end, ttl_seconds=600)

    hold = await row(fleet.conn, "holds", "hold_id", hold_id)
    expires_at = fleet.at(seconds=600)
    assert (hold["status"], hold["start_at"], hold["end_at"]) == ("active", start, end)
    assert (hold["expires_at"], hold["price_cents"], hold["currency"]) == (expires_at, 3_000, "EUR")
    assert await block(fleet, hold_id) == ("hold", start, end, expires_at)


async def test_confirmed_hold_becomes_a_booking_block(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    start, end = fleet.at(hours=2), fleet.at(hours=3)
    hold_id = await fleet.hold(vehicle_id, start, end)
    booking_id = uuid.uuid4()

    await fleet.run(vehicle_id, cmd.ConfirmHold(hold_id, booking_id))

    hold = await row(fleet.conn, "holds", "hold_id", hold_id)
    booking = await row(fleet.conn, "bookings", "booking_id", booking_id)
    assert (hold["status"], hold["booking_id"]) == ("confirmed", booking_id)
    assert (booking["status"], booking["hold_id"], booking["price_cents"]) == (
        "confirmed",
        hold_id,
        1_000,
    )
    assert await block(fleet, hold_id) is None
    assert await block(fleet, booking_id) == ("booking", start, end, None)


async def test_released_hold_frees_its_window(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    hold_id = await fleet.hold(vehicle_id, fleet.at(hours=2), fleet.at(hours=3))

    await fleet.run(vehicle_id, cmd.ReleaseHold(hold_id))

    hold = await row(fleet.conn, "holds", "hold_id", hold_id)
    assert (hold["status"], hold["resolved_at"]) == ("released", fleet.clock.now)
    assert await block(fleet, hold_id) is None


async def test_expired_hold_frees_its_window(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    hold_id = await fleet.hold(vehicle_id, fleet.at(hours=2), fleet.at(hours=3), ttl_seconds=60)
    fleet.clock.advance(minutes=2)

    await fleet.run(vehicle_id, cmd.ExpireHold(hold_id))

    assert (await row(fleet.conn, "holds", "hold_id", hold_id))["status"] == "expired"
    assert await block(fleet, hold_id) is None


async def test_cancelled_booking_frees_its_window_and_records_the_refund(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(days=3), fleet.at(days=3, hours=4))

    await fleet.run(vehicle_id, cmd.CancelBooking(booking_id, "plans changed"))

    booking = await row(fleet.conn, "bookings", "booking_id", booking_id)
    assert (booking["status"], booking["cancel_reason"]) == ("cancelled", "plans changed")
    assert (booking["refund_percent"], booking["refund_cents"]) == (100, 4_000)
    assert booking["cancelled_at"] == fleet.clock.now
    assert await block(fleet, booking_id) is None


async def test_trip_puts_the_vehicle_in_use_and_its_end_completes_the_booking(
    fleet: Fleet,
) -> None:
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=3))
    trip_id = await fleet.start_trip(vehicle_id, booking_id, odometer_km=10_050)
    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    assert (vehicle["status"], vehicle["odometer_km"]) == ("in_use", 10_050)
    assert (vehicle["current_trip_id"], vehicle["current_booking_id"]) == (trip_id, booking_id)
    fleet.clock.advance(hours=2)

    await fleet.run(vehicle_id, cmd.EndTrip(trip_id, odometer_km=10_170))

    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    assert (vehicle["status"], vehicle["odometer_km"], vehicle["current_trip_id"]) == (
        "available",
        10_170,
        None,
    )
    trip = await row(fleet.conn, "trips", "trip_id", trip_id)
    assert (trip["status"], trip["distance_km"], trip["duration_s"]) == ("ended", 120, 7200)
    assert (trip["start_odometer_km"], trip["end_odometer_km"]) == (10_050, 10_170)
    booking = await row(fleet.conn, "bookings", "booking_id", booking_id)
    assert (booking["status"], booking["trip_id"]) == ("completed", trip_id)
    assert await block(fleet, booking_id) is None


async def test_trip_end_keeps_a_vehicle_the_operator_sent_to_maintenance(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=3))
    trip_id = await fleet.start_trip(vehicle_id, booking_id, odometer_km=10_000)
    await fleet.run(vehicle_id, cmd.ChangeVehicleStatus("maintenance", "warning light"))

    await fleet.run(vehicle_id, cmd.EndTrip(trip_id, odometer_km=10_010))

    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    assert (vehicle["status"], vehicle["current_trip_id"]) == ("maintenance", None)


async def test_early_completion_trims_the_maintenance_block_and_resets_service(
    fleet: Fleet,
) -> None:
    vehicle_id = await fleet.register()
    start, end = fleet.at(hours=1), fleet.at(hours=9)
    maintenance_id = await fleet.maintenance(vehicle_id, start, end)
    fleet.clock.advance(hours=3)

    await fleet.run(vehicle_id, cmd.CompleteMaintenance(maintenance_id, odometer_km=10_400))

    assert await block(fleet, maintenance_id) == ("maintenance", start, fleet.clock.now, None)
    window = await row(fleet.conn, "maintenance", "maintenance_id", maintenance_id)
    assert (window["status"], window["completed_at"]) == ("completed", fleet.clock.now)
    assert (window["start_at"], window["end_at"], window["odometer_km"]) == (start, end, 10_400)
    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    assert (vehicle["km_at_last_service"], vehicle["last_service_at"]) == (
        10_400,
        fleet.clock.now,
    )


async def test_maintenance_completed_before_its_start_leaves_no_block(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    maintenance_id = await fleet.maintenance(vehicle_id, fleet.at(hours=1), fleet.at(hours=2))

    await fleet.run(vehicle_id, cmd.CompleteMaintenance(maintenance_id, odometer_km=10_000))

    assert await block(fleet, maintenance_id) is None


async def test_every_event_advances_the_projected_vehicle_version(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    hold_id = await fleet.hold(vehicle_id, fleet.at(hours=2), fleet.at(hours=3))
    await fleet.run(vehicle_id, cmd.ReleaseHold(hold_id))

    vehicle = await row(fleet.conn, "vehicles", "vehicle_id", vehicle_id)
    tracked = await fleet.conn.fetchval(
        "SELECT version FROM stream_tracking WHERE stream_id = $1", vehicle_id
    )
    assert vehicle["version"] == tracked == 3


async def test_changes_name_every_row_an_event_touched(fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=1))
    trip_id = uuid.uuid4()
    command = cmd.StartTrip(trip_id, booking_id, 10_000)
    [started] = decide(fleet.states[vehicle_id], command, fleet.clock.now, uuid.uuid4)

    [applied] = (await (await fleet.applier()).apply([(started, 10**9)])).applied

    assert [(c.kind, c.id) for c in applied.changes] == [
        ("vehicle", vehicle_id),
        ("booking", booking_id),
        ("trip", trip_id),
    ]


async def _dump(conn: asyncpg.Connection, vehicle_id: uuid.UUID) -> dict[str, list[str]]:
    """Every read-model row of the vehicle, as PostgreSQL's text of the whole row."""
    dump = {}
    for table in TABLES:
        sql = f"SELECT t::text FROM {table} t WHERE vehicle_id = $1 ORDER BY 1"
        dump[table] = [r[0] for r in await conn.fetch(sql, vehicle_id)]
    return dump


async def test_projecting_the_log_again_gives_identical_rows(read: ReadSide) -> None:
    fleet = read.fleet
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=2))
    trip_id = await fleet.start_trip(vehicle_id, booking_id, 10_000)
    await fleet.hold(vehicle_id, fleet.at(days=1), fleet.at(days=1, hours=1))
    fleet.clock.advance(hours=1)
    await fleet.run(vehicle_id, cmd.EndTrip(trip_id, 10_030))
    await fleet.maintenance(vehicle_id, fleet.at(hours=3), fleet.at(hours=5))
    dsn = read.app.state.read_db.dsn
    rebuilt = new_schema_name()
    await create_schema(fleet.conn, rebuilt)
    replica = await connect(dsn, rebuilt)
    try:
        fleet.clock.advance(days=3)  # a rebuild happens later: nothing may depend on now
        applier = await PageApplier.create(replica, notify=False)
        for event, position in fleet.events:
            await applier.apply([(event, position)])
        original = await _dump(fleet.conn, vehicle_id)
        again = await _dump(replica, vehicle_id)
    finally:
        await replica.close()
    assert again == original
    assert original["trips"] and original["calendar_blocks"]
