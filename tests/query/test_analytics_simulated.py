"""Every analytics figure of a seeded random fleet against a brute-force recomputation from
the event log, and the analytics tables against a sharded rebuild of that log."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

import asyncpg
import pytest

from query_service.read_models.spans import FLEET_SLICES
from query_service.replay import SHARDS, replay_into
from query_service.store.schemas import connect, create_schema, new_schema_name
from shared.contract.events import Event
from tests.query import analytics_support as bf
from tests.query.analytics_sim import Sim, simulate
from tests.query.conftest import Fleet, ReadSide, iso

_BUILT: dict[str, Any] = {}
DAY0 = datetime.fromisoformat("2030-01-07T00:00:00+00:00")
WINDOW = (DAY0, DAY0 + timedelta(days=5))


@pytest.fixture
async def sim(read: ReadSide, fleet: Fleet) -> Sim:
    """20 vehicles over 3 simulated days, built once for the module."""
    if not _BUILT:
        _BUILT["sim"] = await simulate(fleet, seed=20300107, vehicles=20, days=3)
        _BUILT["now"], _BUILT["events"] = fleet.clock.now, list(fleet.events)
    fleet.clock.now = _BUILT["now"]
    built: Sim = _BUILT["sim"]
    return built


def _params(window: tuple[datetime, datetime], **extra: Any) -> dict[str, Any]:
    return {"from": iso(window[0]), "to": iso(window[1]), **extra}


async def test_the_simulation_exercises_every_event_type(sim: Sim) -> None:
    kinds = {type(e).__name__ for e, _ in _BUILT["events"]}
    assert len(_BUILT["events"]) > 500
    assert kinds >= {
        "HoldPlaced",
        "HoldConfirmed",
        "HoldReleased",
        "HoldExpired",
        "BookingConfirmed",
        "BookingCancelled",
        "BookingCompleted",
        "TripStarted",
        "TripEnded",
        "MaintenanceScheduled",
        "MaintenanceCompleted",
        "VehicleStatusChanged",
        "VehicleRetired",
    }


async def test_utilization_matches_a_brute_force_recount(read: ReadSide, sim: Sim) -> None:
    truth, now = bf.replay(_BUILT["events"]), _BUILT["now"]
    for granularity, step in (("hour", bf.HOUR), ("day", bf.DAY)):
        body = await read.ok(
            "/v1/analytics/fleet/utilization", **_params(WINDOW, granularity=granularity)
        )
        assert bf.api_usage(body) == bf.usage(truth, WINDOW, step, now)
        for v in sim.vehicles[:5]:
            path = f"/v1/analytics/vehicles/{v}/utilization"
            body = await read.ok(path, **_params(WINDOW, granularity=granularity))
            assert bf.api_usage(body) == bf.usage(truth, WINDOW, step, now, v)


async def test_peak_hours_match_a_brute_force_recount(read: ReadSide, sim: Sim) -> None:
    ended = bf.replay(_BUILT["events"])
    ended.driven = [d for d in ended.driven if d[2] is not None]
    expected: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    for key, booked, driven, _ in bf.usage(ended, WINDOW, bf.HOUR, _BUILT["now"]):
        cell = expected[key.isoweekday(), key.hour]
        cell[0], cell[1] = cell[0] + booked, cell[1] + driven

    body = await read.ok("/v1/analytics/peak-hours", **_params(WINDOW))

    got = {
        (c["day_of_week"], c["hour"]): [c["booked_seconds"], c["driven_seconds"]]
        for c in body["cells"]
        if c["booked_seconds"] or c["driven_seconds"]
    }
    assert got == {k: v for k, v in expected.items() if v != [0, 0]}


async def test_underutilized_matches_a_brute_force_recount(read: ReadSide, sim: Sim) -> None:
    truth, now = bf.replay(_BUILT["events"]), _BUILT["now"]
    for metric, index in (("booked", 1), ("driven", 2)):
        expected = []
        for v in sim.vehicles:
            rows = bf.usage(truth, WINDOW, bf.DAY, now, v)
            booked, driven, up = (sum(row[i] for row in rows) for i in (1, 2, 3))
            share = (booked, driven)[index - 1] / up if up else None
            if share is not None and share < 0.3:
                expected.append((share, str(v)))
        body = await read.ok(
            "/v1/analytics/underutilized",
            **_params(WINDOW, threshold=0.3, metric=metric, limit=500),
        )
        got = sorted((i["utilization"], i["vehicle_id"]) for i in body["items"])
        assert got == sorted(expected)


async def test_booking_stats_and_revenue_match_a_brute_force_recount(
    read: ReadSide, sim: Sim
) -> None:
    truth, now = bf.replay(_BUILT["events"]), _BUILT["now"]
    window = (DAY0 + timedelta(hours=9), DAY0 + timedelta(days=3, hours=5))

    stats = await read.ok("/v1/analytics/bookings/stats", **_params(window))
    revenue = await read.ok(
        "/v1/analytics/revenue", **_params(window, granularity="hour", limit=500)
    )

    assert {k: v for k, v in stats.items() if k not in ("from", "to")} == pytest.approx(
        bf.booking_stats(truth, window, now)
    )
    by_vehicle = {UUID(i["vehicle_id"]): i["revenue_cents"] for i in revenue["vehicles"]}
    assert by_vehicle == bf.revenue_by_vehicle(truth, window)
    assert sum(b["revenue_cents"] for b in revenue["buckets"]) == sum(by_vehicle.values())
    per_hour = {(b["start"], b["currency"]): b["price_per_booked_hour_cents"]
                for b in revenue["buckets"]}  # fmt: skip
    per_hour |= {(None, t["currency"]): t["price_per_booked_hour_cents"] for t in revenue["totals"]}
    assert per_hour == bf.price_per_booked_hour(truth, window) and len(per_hour) > 10


async def test_health_scores_match_a_brute_force_recount(read: ReadSide, sim: Sim) -> None:
    truth, at = bf.replay(_BUILT["events"]), _BUILT["now"] + timedelta(days=200)

    body = await read.ok("/v1/analytics/maintenance/due", to=iso(at), score_below=101, limit=500)

    got = {UUID(i["vehicle_id"]): (i["health_score"], i["due"]) for i in body["items"]}
    expected = {v: bf.health(s, at) for v, s in truth.service.items() if not s.retired}
    assert got == expected


class _Feed:
    """The recorded log served page by page, as the command service's feed would."""

    def __init__(self, events: list[tuple[Event, int]]) -> None:
        self._events = sorted(events, key=lambda pair: pair[1])

    async def page(self, after: int, limit: int = 1000) -> tuple[list[tuple[Event, int]], int]:
        found = [pair for pair in self._events if pair[1] > after][:limit]
        return found, found[-1][1] if found else after


async def _rows(conn: asyncpg.Connection, table: str) -> list[str]:
    return [r[0] for r in await conn.fetch(f"SELECT to_jsonb(t)::text FROM {table} t ORDER BY 1")]


async def test_a_sharded_rebuild_gives_identical_analytics_rows(read: ReadSide, sim: Sim) -> None:
    assert FLEET_SLICES % SHARDS == 0  # no fleet row is shared by two shards
    schema = new_schema_name()
    await create_schema(read.fleet.conn, schema)
    dsn = read.app.state.read_db.dsn
    conns = [await connect(dsn, schema) for _ in range(SHARDS)]
    try:
        await replay_into(conns, _Feed(_BUILT["events"]))  # type: ignore[arg-type]
        tables = [
            r[0]
            for r in await conns[0].fetch(
                "SELECT table_name FROM information_schema.tables WHERE table_schema = $1"
                " AND table_name LIKE 'analytics%' ORDER BY 1",
                schema,
            )
        ]
        for table in tables:
            assert await _rows(conns[0], table) == await _rows(read.fleet.conn, table), table
    finally:
        for conn in conns:
            await conn.close()
    assert len(tables) == 7
