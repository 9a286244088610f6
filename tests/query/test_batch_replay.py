"""The rebuild's batch path (query_service/batch) against the per-event projector: every row
of every table of a seeded random fleet, with pages that cut through every vehicle's
history and with pages that hold it whole."""

from __future__ import annotations

from typing import Any

import asyncpg
import pytest

from command_service.domain import commands as cmd
from query_service.rebuild import REPLAY_CONNECTIONS, replay_into
from query_service.store.schemas import connect, create_schema, new_schema_name
from shared.contract.events import Event, Location
from tests.query.analytics_sim import simulate
from tests.query.conftest import Fleet, ReadSide

_BUILT: dict[str, Any] = {}


class _Feed:
    """The recorded log served page by page, as the command service's feed would."""

    def __init__(self, events: list[tuple[Event, int]]) -> None:
        self._events = sorted(events, key=lambda pair: pair[1])

    async def page(self, after: int, limit: int = 1000) -> tuple[list[tuple[Event, int]], int]:
        found = [pair for pair in self._events if pair[1] > after][:limit]
        return found, found[-1][1] if found else after


async def _log(fleet: Fleet) -> list[tuple[Event, int]]:
    """A random fleet's history (built once for the module), plus detail updates."""
    if not _BUILT:
        sim = await simulate(fleet, seed=424242, vehicles=12, days=2)
        v1, v2 = sim.vehicles[:2]
        await fleet.run(v1, cmd.UpdateVehicleDetails(plate="B-1", seats=7))
        await fleet.run(v2, cmd.UpdateVehicleDetails(home=Location(lat=48.1, lon=11.6)))
        _BUILT["events"] = list(fleet.events)
    events: list[tuple[Event, int]] = _BUILT["events"]
    return events


async def _snapshot(conn: asyncpg.Connection, schema: str) -> dict[str, list[str]]:
    """Every row of every table but the feed cursor, as canonical JSON text, sorted."""
    tables = await conn.fetch(
        "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
        " AND table_name <> 'feed_cursor' ORDER BY 1",
        schema,
    )
    sql = "SELECT to_jsonb(t)::text FROM {}.{} AS t ORDER BY 1"
    return {r[0]: [row[0] for row in await conn.fetch(sql.format(schema, r[0]))] for r in tables}


@pytest.mark.parametrize("page_size", [7, 2000])
async def test_a_batched_replay_gives_every_row_of_the_per_event_projector(
    read: ReadSide, fleet: Fleet, page_size: int
) -> None:
    events = await _log(fleet)
    schema = new_schema_name()
    await create_schema(fleet.conn, schema)
    dsn = read.app.state.read_db.dsn
    conns = [await connect(dsn, schema) for _ in range(REPLAY_CONNECTIONS)]
    try:
        assert await replay_into(conns, _Feed(events), page_size) == len(events)  # type: ignore[arg-type]
    finally:
        for conn in conns:
            await conn.close()

    live = await _snapshot(fleet.conn, read.app.state.read_db.active_schema)
    rebuilt = await _snapshot(fleet.conn, schema)

    assert len(live) == 14 and live.keys() == rebuilt.keys()
    for table, rows in live.items():
        assert rows == rebuilt[table], table
    assert {type(e).__name__ for e, _ in events} >= {"VehicleDetailsUpdated", "HoldExpired"}
