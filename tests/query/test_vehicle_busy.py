"""Read model `vehicle_busy`: the union of the vehicle's calendar, the same row whichever
way the log is paged."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson
from asyncpg import Range

from command_service.domain import commands as cmd
from query_service.read_models.busy import add, take_out
from query_service.read_models.upsert import COPY_FROM
from tests.query.conftest import Fleet


def midnight(fleet: Fleet, days: int) -> datetime:
    today = fleet.clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


async def _busy_row(fleet: Fleet, vehicle_id: UUID, ids: dict[UUID, UUID]) -> dict[str, Any]:
    """The vehicle's vehicle_busy row, its block ids renamed by `ids`."""
    row = await fleet.conn.fetchrow(
        "SELECT busy::text, holds::text, hold_until, hold_blocks FROM vehicle_busy"
        " WHERE vehicle_id = $1",
        vehicle_id,
    )
    assert row is not None
    holds = {str(ids.get(UUID(k), k)): v for k, v in orjson.loads(row["hold_blocks"]).items()}
    return {**dict(row), "hold_blocks": holds}


async def test_vehicle_busy_is_the_same_whether_events_come_one_by_one_or_in_one_page(
    fleet: Fleet,
) -> None:
    first = len(fleet.events)
    vehicle_id = await fleet.register()
    hold_id = await fleet.hold(vehicle_id, midnight(fleet, 10), midnight(fleet, 12))
    await fleet.run(vehicle_id, cmd.ConfirmHold(hold_id, uuid.uuid4()))
    cancelled = await fleet.book(vehicle_id, midnight(fleet, 13), midnight(fleet, 15))
    await fleet.run(vehicle_id, cmd.CancelBooking(cancelled, "plans changed"))
    await fleet.hold(vehicle_id, midnight(fleet, 16), midnight(fleet, 17))
    scheduled = await fleet.maintenance(vehicle_id, fleet.at(hours=1), midnight(fleet, 3))
    fleet.clock.advance(hours=20)
    await fleet.run(vehicle_id, cmd.CompleteMaintenance(scheduled, 10_000))
    events = [event for event, _ in fleet.events[first:]]
    # The same history on another vehicle, every id renamed, applied as one page.
    ids: dict[UUID, UUID] = {vehicle_id: uuid.uuid4()}

    def renamed(value: Any) -> Any:
        return ids.setdefault(value, uuid.uuid4()) if isinstance(value, UUID) else value

    copies = [e.model_copy(update={k: renamed(v) for k, v in e}) for e in events]
    await fleet.apply(*copies)

    one_by_one = await _busy_row(fleet, vehicle_id, ids)
    assert one_by_one == await _busy_row(fleet, ids[vehicle_id], {})
    # the open hold; the confirmed booking and what is left of the maintenance window
    assert len(one_by_one["hold_blocks"]) == 1
    assert one_by_one["busy"] == await _calendar_union(fleet, vehicle_id)
    assert one_by_one["hold_until"] is not None


async def test_a_page_writing_many_rows_at_once_gives_each_vehicle_its_row(fleet: Fleet) -> None:
    first = len(fleet.events)
    vehicle_id = await fleet.register()
    await fleet.hold(vehicle_id, midnight(fleet, 2), midnight(fleet, 3))
    await fleet.book(vehicle_id, midnight(fleet, 4), midnight(fleet, 5))
    events = [event for event, _ in fleet.events[first:]]
    renamings: list[dict[UUID, UUID]] = []
    copies = []
    for _ in range(COPY_FROM + 6):  # enough rows for the page to write them by COPY
        ids: dict[UUID, UUID] = {}
        renamings.append(ids)
        copies += [e.model_copy(update={k: _renamed(ids, v) for k, v in e}) for e in events]

    await fleet.apply(*copies)

    expected = await _busy_row(fleet, vehicle_id, {})
    for ids in renamings:
        back = {new: old for old, new in ids.items()}
        assert await _busy_row(fleet, ids[vehicle_id], back) == expected


async def _calendar_union(fleet: Fleet, vehicle_id: UUID) -> str:
    """The union of the vehicle's booking and maintenance blocks in `calendar_blocks`."""
    union = await fleet.conn.fetchval(
        "SELECT coalesce(range_agg(period), '{}')::text FROM calendar_blocks"
        " WHERE vehicle_id = $1 AND kind <> 'hold'",
        vehicle_id,
    )
    return str(union)


async def test_busy_frees_exactly_the_time_of_a_block_that_shrinks_or_goes(
    fleet: Fleet,
) -> None:
    """Blocks that touch merge into one run of busy time; taking one out of the run, or
    trimming it, leaves its neighbours blocked."""
    vehicle_id = await fleet.register()
    serviced = await fleet.maintenance(vehicle_id, fleet.at(hours=1), midnight(fleet, 3))
    await fleet.book(vehicle_id, midnight(fleet, 3), midnight(fleet, 4))  # touches it
    await fleet.book(vehicle_id, midnight(fleet, 5), midnight(fleet, 6))
    middle = await fleet.book(vehicle_id, midnight(fleet, 6), midnight(fleet, 7))
    await fleet.book(vehicle_id, midnight(fleet, 7), midnight(fleet, 8))
    hold_id = await fleet.hold(vehicle_id, midnight(fleet, 8), midnight(fleet, 9))
    row = await _busy_row(fleet, vehicle_id, {})
    assert row["busy"].count("[") == 2  # two runs: [maintenance, day 4) and [day 5, day 8)
    assert row["busy"] == await _calendar_union(fleet, vehicle_id)

    await fleet.run(vehicle_id, cmd.CancelBooking(middle, "plans changed"))
    await fleet.run(vehicle_id, cmd.ConfirmHold(hold_id, uuid.uuid4()))
    fleet.clock.advance(hours=20)
    await fleet.run(vehicle_id, cmd.CompleteMaintenance(serviced, 10_000))

    row = await _busy_row(fleet, vehicle_id, {})
    assert row["busy"].count("[") == 4  # [maintenance, its end), day 3-4, day 5-6, day 7-9
    assert row["busy"] == await _calendar_union(fleet, vehicle_id)
    assert (row["holds"], row["hold_blocks"], row["hold_until"]) == ("{}", {}, None)


def _range(lo: int, hi: int) -> Range:
    return Range(lo, hi, upper_inc=False)


def test_a_period_added_merges_with_the_runs_it_overlaps_or_touches() -> None:
    runs = [_range(0, 2), _range(4, 6), _range(8, 10), _range(12, 14)]
    add(runs, _range(6, 9))  # touches [4, 6), overlaps [8, 10)
    assert runs == [_range(0, 2), _range(4, 10), _range(12, 14)]
    add(runs, _range(15, 16))
    add(runs, _range(-3, -1))
    assert runs == [_range(-3, -1), _range(0, 2), _range(4, 10), _range(12, 14), _range(15, 16)]


def test_a_period_taken_out_frees_only_its_own_time() -> None:
    runs = [_range(0, 10), _range(12, 14)]
    take_out(runs, _range(3, 5))
    assert runs == [_range(0, 3), _range(5, 10), _range(12, 14)]
    take_out(runs, _range(5, 10))  # a whole run
    assert runs == [_range(0, 3), _range(12, 14)]
    take_out(runs, _range(0, 1))  # its start
    take_out(runs, _range(13, 14))  # its end
    assert runs == [_range(1, 3), _range(12, 13)]


def _renamed(ids: dict[UUID, UUID], value: Any) -> Any:
    return ids.setdefault(value, uuid.uuid4()) if isinstance(value, UUID) else value
