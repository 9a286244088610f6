"""A page costs a fixed handful of round trips, whatever the tables it touches: its
transaction, the tracked versions and their claim, one statement reading every row it
needs, and one writing them all back with the change notices (`page.load`,
`upsert.Batch`)."""

from __future__ import annotations

import asyncio
import uuid

from asyncpg.connection import LoggedQuery

from command_service.domain import commands as cmd
from query_service.read_models.upsert import batched_statement
from shared.contract.events import Event
from tests.query.conftest import Fleet

_KINDS = {
    "BEGIN": "begin",
    "COMMIT": "commit",
    "SELECT stream_id, version": "tracked versions",
    "WITH claim AS": "claim",
    "SELECT 0, this_row": "load",
    "WITH w0 AS": "write",
}
# The statements of a page that reads and writes something, in order.
A_PAGE = ["begin", "tracked versions", "claim", "load", "write", "commit"]


async def _warmed_up(fleet: Fleet) -> None:
    """Apply a hold, its confirmation and a booking once, so that the applier's setup
    (staging tables) and the driver's first look at each column type are behind us."""
    vehicle_id, hold_id = await fleet.register(), uuid.uuid4()
    start, end = fleet.at(days=30), fleet.at(days=30, hours=2)
    await fleet.run(vehicle_id, cmd.PlaceHold(hold_id, uuid.uuid4(), start, end))
    await fleet.run(vehicle_id, cmd.ConfirmHold(hold_id, uuid.uuid4()))
    later = cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), end, fleet.at(days=31))
    await fleet.run(vehicle_id, later)


async def _sent_while_applying(fleet: Fleet, events: list[Event]) -> dict[str, str]:
    """The statements the page applier sent for one page of `events`, by kind, in order."""
    sent: list[str] = []

    def log(record: LoggedQuery) -> None:
        sent.append(record.query.strip())

    fleet.conn.add_query_logger(log)
    try:
        await fleet.apply(*events)
        await asyncio.sleep(0)  # the driver calls loggers soon, not at once
    finally:
        fleet.conn.remove_query_logger(log)
    kinds = [next((k for p, k in _KINDS.items() if q.startswith(p)), q[:60]) for q in sent]
    assert len(set(kinds)) == len(kinds), kinds
    return dict(zip(kinds, sent, strict=True))


async def test_a_page_of_bookings_costs_six_round_trips(fleet: Fleet) -> None:
    """A booking's page reads four tables and writes nine: that was a statement each, and
    one more for the notices."""
    vehicles = [await fleet.register() for _ in range(12)]
    await _warmed_up(fleet)
    page = []
    for n, vehicle_id in enumerate(vehicles):
        book = cmd.BookVehicle(
            uuid.uuid4(), uuid.uuid4(), fleet.at(hours=2 + n), fleet.at(hours=5 + n)
        )
        page += fleet.decided(vehicle_id, book)

    sent = await _sent_while_applying(fleet, page)

    assert list(sent) == A_PAGE
    for table in ("vehicles", "vehicle_busy", "analytics_vehicles"):
        assert f"FROM {table} this_row" in sent["load"]
    for table in ("bookings", "calendar_blocks", "vehicle_busy", "analytics_fleet_hours"):
        assert f"INSERT INTO {table} AS t" in sent["write"]
    assert "pg_notify" in sent["write"]
    booked = await fleet.conn.fetchval(
        "SELECT count(*) FROM bookings WHERE vehicle_id = ANY($1::uuid[])", vehicles
    )
    assert booked == len(vehicles)


async def test_a_block_removed_and_one_added_in_the_same_statement(fleet: Fleet) -> None:
    """A confirmed hold deletes its block and inserts the booking's, in calendar_blocks,
    by two parts of one statement (which see the same snapshot)."""
    vehicle_id = await fleet.register()
    hold_id, booking_id = uuid.uuid4(), uuid.uuid4()
    await fleet.run(
        vehicle_id, cmd.PlaceHold(hold_id, uuid.uuid4(), fleet.at(hours=1), fleet.at(hours=3))
    )
    await _warmed_up(fleet)

    sent = await _sent_while_applying(
        fleet, fleet.decided(vehicle_id, cmd.ConfirmHold(hold_id, booking_id))
    )

    assert list(sent) == A_PAGE
    assert "DELETE FROM calendar_blocks" in sent["write"]
    assert "INSERT INTO calendar_blocks" in sent["write"]
    blocks = await fleet.conn.fetch(
        "SELECT block_id, kind FROM calendar_blocks WHERE vehicle_id = $1", vehicle_id
    )
    assert [(b["block_id"], b["kind"]) for b in blocks] == [(booking_id, "booking")]


async def test_no_read_model_table_has_what_one_statement_could_trip_over(fleet: Fleet) -> None:
    """The write-back's parts see one snapshot and run in no set order: that is safe only
    while nothing checks one row against another's change (upsert.Batch)."""
    schema = await fleet.conn.fetchval("SELECT current_schema()")
    unique_beside_the_key = await fleet.conn.fetch(
        "SELECT i.indexrelid::regclass::text FROM pg_index i JOIN pg_class c ON c.oid ="
        " i.indrelid WHERE c.relnamespace = $1::regnamespace AND i.indisunique"
        " AND NOT i.indisprimary",
        schema,
    )
    relating = await fleet.conn.fetch(
        "SELECT conname FROM pg_constraint WHERE connamespace = $1::regnamespace"
        " AND contype IN ('f', 'x')",
        schema,
    )
    triggers = await fleet.conn.fetch(
        "SELECT t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid"
        " WHERE c.relnamespace = $1::regnamespace AND NOT t.tgisinternal",
        schema,
    )
    assert (unique_beside_the_key, relating, triggers) == ([], [], [])


def test_the_parts_parameters_are_numbered_in_turn() -> None:
    sql = batched_statement(
        ("INSERT INTO a SELECT * FROM unnest($1::int[], $2::text[])",
         "DELETE FROM b WHERE k = ANY($1::uuid[])"),
        "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n",
    )  # fmt: skip
    assert sql == (
        "WITH w0 AS (INSERT INTO a SELECT * FROM unnest($1::int[], $2::text[])),"
        " w1 AS (DELETE FROM b WHERE k = ANY($3::uuid[]))"
        " SELECT pg_notify($4, n) FROM unnest($5::text[]) AS n"
    )


def test_a_batch_without_writes_is_its_last_query_alone() -> None:
    notify = "SELECT pg_notify($1, n) FROM unnest($2::text[]) AS n"
    assert batched_statement((), notify) == notify
