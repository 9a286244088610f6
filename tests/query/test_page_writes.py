"""A page is written back in one statement: every table's small writes and the change
notices, one round trip (`upsert.Batch`)."""

from __future__ import annotations

import uuid

from asyncpg.connection import LoggedQuery

from command_service.domain import commands as cmd
from query_service.read_models.upsert import batched_statement
from shared.contract.events import Event
from tests.query.conftest import Fleet

# What a page sends besides its write-back: the transaction, the tracked versions and
# their claim, and one load per table whose rows the events name.
_BOOKKEEPING = ("BEGIN", "COMMIT", "SELECT stream_id, version", "WITH claim AS", "SELECT * FROM")


async def _warmed_up(fleet: Fleet) -> None:
    """Apply a hold, its confirmation and a booking once, so that the applier's setup
    (staging tables) and the driver's first look at each column type are behind us."""
    vehicle_id, hold_id = await fleet.register(), uuid.uuid4()
    start, end = fleet.at(days=30), fleet.at(days=30, hours=2)
    await fleet.run(vehicle_id, cmd.PlaceHold(hold_id, uuid.uuid4(), start, end))
    await fleet.run(vehicle_id, cmd.ConfirmHold(hold_id, uuid.uuid4()))
    later = cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), end, fleet.at(days=31))
    await fleet.run(vehicle_id, later)


async def _sent_while_applying(fleet: Fleet, events: list[Event]) -> list[str]:
    """The statements the page applier sent for one page of `events`, bookkeeping aside."""
    sent: list[str] = []

    def log(record: LoggedQuery) -> None:
        sent.append(record.query.strip())

    fleet.conn.add_query_logger(log)
    try:
        await fleet.apply(*events)
    finally:
        fleet.conn.remove_query_logger(log)
    return [q for q in sent if not q.startswith(_BOOKKEEPING)]


async def test_a_page_of_bookings_is_written_back_in_one_statement(fleet: Fleet) -> None:
    """Nine tables change for a booking; they were nine statements and a tenth for the
    notices."""
    vehicles = [await fleet.register() for _ in range(12)]
    await _warmed_up(fleet)
    page = []
    for n, vehicle_id in enumerate(vehicles):
        book = cmd.BookVehicle(
            uuid.uuid4(), uuid.uuid4(), fleet.at(hours=2 + n), fleet.at(hours=5 + n)
        )
        page += fleet.decided(vehicle_id, book)

    writes = await _sent_while_applying(fleet, page)

    assert len(writes) == 1, writes
    (write,) = writes
    for table in ("bookings", "calendar_blocks", "vehicle_busy", "analytics_fleet_hours"):
        assert f"INSERT INTO {table} AS t" in write
    assert "pg_notify" in write
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

    writes = await _sent_while_applying(
        fleet, fleet.decided(vehicle_id, cmd.ConfirmHold(hold_id, booking_id))
    )

    assert len(writes) == 1, writes
    assert "DELETE FROM calendar_blocks" in writes[0]
    assert "INSERT INTO calendar_blocks" in writes[0]
    blocks = await fleet.conn.fetch(
        "SELECT block_id, kind FROM calendar_blocks WHERE vehicle_id = $1", vehicle_id
    )
    assert [(b["block_id"], b["kind"]) for b in blocks] == [(booking_id, "booking")]


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
