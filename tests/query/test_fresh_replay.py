"""A rebuild's first pass writes bucket rows it has not written yet without a conflict
check (query_service.read_models.sum_table, `start_fresh`), and those it has through the
staged upsert: the generation it builds equals one built with every write checked."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import timedelta

import asyncpg
import pytest

from command_service.domain import commands as cmd
from query_service.applier import PageApplier
from query_service.read_models import sum_table
from query_service.read_models.upsert import COPY_FROM
from query_service.store.schemas import connect
from shared.contract.events import Event
from tests.query.conftest import Fleet
from tests.query.test_live_equals_rebuild import generations, snapshot

Page = list[tuple[Event, int]]


def booking_pages(fleet: Fleet) -> list[Page]:
    """A page registering vehicles, then two pages booking each of them once, on the
    same day: the third page's day rows exist, its span and hour rows do not. Enough
    vehicles that every table's rows go by COPY."""
    vehicles = [uuid.uuid4() for _ in range(COPY_FROM + 6)]
    day = fleet.at(days=2).replace(hour=8, minute=0, second=0, microsecond=0)
    commands: list[list[tuple[uuid.UUID, cmd.Command]]] = [
        [(v, cmd.RegisterVehicle(
            vehicle_id=v, vin=f"WVWZZZ1JZXF{n:06d}", plate=f"F-{n:06d}", make="Volkswagen",
            model="Golf", year=2028, seats=5, hourly_rate_cents=1_000,
            daily_rate_cents=6_000, currency="EUR", odometer_km=10_000,
        )) for n, v in enumerate(vehicles)],
    ]  # fmt: skip
    for hour in (2, 5):
        window = (day + timedelta(hours=hour), day + timedelta(hours=hour + 1))
        commands.append([(v, cmd.BookVehicle(uuid.uuid4(), uuid.uuid4(), *window))
                         for v in vehicles])  # fmt: skip
    position = 0
    pages = []
    for page in commands:
        records = []
        for vehicle_id, command in page:
            for event in fleet.decided(vehicle_id, command):
                position += 1
                records.append((event, position))
        pages.append(records)
    return pages


async def _build(dsn: str, schema: str, pages: Sequence[Page], fresh: bool) -> list[str]:
    """Apply the pages; the statements that moved rows out of a staging table."""
    moves: list[str] = []
    conn = await connect(dsn, schema)
    conn.add_query_logger(lambda q: moves.append(q.query) if "DELETE FROM stage_" in q.query
                          else None)  # fmt: skip
    try:
        applier = await PageApplier.create(conn, notify=False, carry_sums=True, fresh=fresh)
        for page in pages:
            assert len((await applier.apply(page)).applied) == len(page)
        await applier.write_carried()
    finally:
        await conn.close()
    return moves


def _staged(moves: Sequence[str], table: str) -> bool:
    return any(f"DELETE FROM stage_{table} " in move for move in moves)


async def test_a_first_pass_inserts_new_bucket_rows_and_upserts_written_ones(
    query_dsn: str, fleet: Fleet
) -> None:
    pages = booking_pages(fleet)
    async with generations(query_dsn, "fresh", "checked") as (admin, (fresh, checked)):
        moves = await _build(query_dsn, fresh, pages, fresh=True)
        checked_moves = await _build(query_dsn, checked, pages, fresh=False)
        rows = await snapshot(admin, fresh)
        assert rows == await snapshot(admin, checked)

    assert len(rows["analytics_vehicle_days"]) == COPY_FROM + 6  # one day, booked twice
    assert len(rows["analytics_vehicle_spans"]) == 2 * (COPY_FROM + 6)
    assert _staged(moves, "analytics_vehicle_days")  # the third page's, rows it wrote
    assert not _staged(moves, "analytics_vehicle_spans")  # every span new
    assert not _staged(moves, "analytics_vehicle_bookings")  # every hour new
    assert _staged(checked_moves, "analytics_vehicle_spans")


async def test_a_fresh_pass_over_stored_rows_fails_instead_of_counting_twice(
    query_dsn: str, fleet: Fleet
) -> None:
    """The rule's precondition (an empty generation) broken: the unchecked insert of a
    stored key fails on the primary key; it never adds a second row."""
    pages = booking_pages(fleet)
    async with generations(query_dsn, "held") as (_, (schema,)):
        await _build(query_dsn, schema, pages[:2], fresh=True)
        with pytest.raises(asyncpg.UniqueViolationError):
            await _build(query_dsn, schema, pages[2:], fresh=True)


async def test_past_its_bound_a_first_pass_checks_every_key(
    query_dsn: str, fleet: Fleet, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The remembered keys are bounded (FRESH_KEYS a table): once past it, a table
    forgets them and writes every later row through the checked upsert."""
    monkeypatch.setattr(sum_table, "FRESH_KEYS", COPY_FROM)
    pages = booking_pages(fleet)
    async with generations(query_dsn, "bounded", "checked") as (admin, (bounded, checked)):
        moves = await _build(query_dsn, bounded, pages, fresh=True)
        await _build(query_dsn, checked, pages, fresh=False)
        assert await snapshot(admin, bounded) == await snapshot(admin, checked)
    assert _staged(moves, "analytics_vehicle_spans")  # the third page's, all new
