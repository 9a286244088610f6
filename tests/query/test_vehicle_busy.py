"""Read model `vehicle_busy`: the same row whichever way the log is paged."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import orjson

from command_service.domain import commands as cmd
from query_service.read_models.upsert import COPY_FROM
from tests.query.conftest import Fleet


def midnight(fleet: Fleet, days: int) -> datetime:
    today = fleet.clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


async def _busy_row(fleet: Fleet, vehicle_id: UUID, ids: dict[UUID, UUID]) -> dict[str, Any]:
    """The vehicle's vehicle_busy row, its block ids renamed by `ids`."""
    row = await fleet.conn.fetchrow(
        "SELECT busy::text, holds::text, hold_until, blocks FROM vehicle_busy"
        " WHERE vehicle_id = $1",
        vehicle_id,
    )
    assert row is not None
    blocks = {str(ids.get(UUID(k), k)): v for k, v in orjson.loads(row["blocks"]).items()}
    return {**dict(row), "blocks": blocks}


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
    # the confirmed booking and what is left of the maintenance window; the open hold
    assert len(one_by_one["blocks"]) == 3
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


def _renamed(ids: dict[UUID, UUID], value: Any) -> Any:
    return ids.setdefault(value, uuid.uuid4()) if isinstance(value, UUID) else value
