"""One vehicle's utilization and the service health list, on hand-computed scenarios.

Every test starts on Monday 2030-01-07 08:00 UTC; figures are read for the test's own
vehicles only (other tests of the module share its database).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import Any

from command_service.domain import commands as cmd
from tests.query.conftest import Fleet, ReadSide, iso


def _series(body: dict[str, Any], key: str) -> list[int]:
    return [bucket[key] for bucket in body["buckets"]]


async def test_running_trip_counts_up_to_now_and_a_booking_fills_each_hour_it_covers(
    read: ReadSide, fleet: Fleet
) -> None:
    v = await fleet.register()
    booking = await fleet.book(v, fleet.at(hours=1), fleet.at(hours=19))  # to 03:00 tomorrow
    other = await fleet.book(v, fleet.at(hours=25), fleet.at(hours=26))
    await fleet.run(v, cmd.CancelBooking(other, "no"))
    fleet.clock.advance(hours=1)
    await fleet.start_trip(v, booking, 10_000)
    fleet.clock.advance(hours=1, minutes=30)  # now 10:30, the trip still running

    path = f"/v1/analytics/vehicles/{v}/utilization"
    hourly = await read.ok(path, **{"from": "2030-01-07T08:00:00Z", "to": "2030-01-07T12:00:00Z"})
    daily = await read.ok(
        path, granularity="day", **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-09T00:00:00Z"}
    )

    assert hourly["vehicle_id"] == str(v)
    assert _series(hourly, "available_seconds") == [3_600] * 4
    assert _series(hourly, "booked_seconds") == [0, 3_600, 3_600, 3_600]
    assert _series(hourly, "driven_seconds") == [0, 3_600, 1_800, 0]
    assert _series(daily, "available_seconds") == [57_600, 86_400]
    assert _series(daily, "booked_seconds") == [54_000, 10_800]
    assert _series(daily, "driven_seconds") == [5_400, 0]


async def test_inactive_time_is_not_available(read: ReadSide, fleet: Fleet) -> None:
    v = await fleet.register()
    fleet.clock.advance(hours=1)
    await fleet.run(v, cmd.ChangeVehicleStatus("inactive", "winter"))
    fleet.clock.advance(hours=2, minutes=30)
    await fleet.run(v, cmd.ChangeVehicleStatus("available", "spring"))
    fleet.clock.advance(hours=1)

    body = await read.ok(
        f"/v1/analytics/vehicles/{v}/utilization",
        **{"from": "2030-01-07T08:00:00Z", "to": "2030-01-07T13:00:00Z"},
    )

    assert _series(body, "available_seconds") == [3_600, 0, 0, 1_800, 3_600]
    assert body["totals"]["available_seconds"] == 9_000
    assert body["totals"]["booked_utilization"] == 0.0
    assert body["totals"]["idle_seconds"] == 9_000


async def test_retired_vehicle_is_available_only_until_retirement(
    read: ReadSide, fleet: Fleet
) -> None:
    v = await fleet.register()
    fleet.clock.advance(minutes=90)
    await fleet.run(v, cmd.RetireVehicle("sold"))

    body = await read.ok(
        f"/v1/analytics/vehicles/{v}/utilization",
        **{"from": "2030-01-07T08:00:00Z", "to": "2030-01-07T11:00:00Z"},
    )

    assert _series(body, "available_seconds") == [3_600, 1_800, 0]
    assert body["buckets"][2]["booked_utilization"] is None


async def test_unknown_vehicle_utilization_is_404(read: ReadSide) -> None:
    response = await read.get(f"/v1/analytics/vehicles/{uuid.uuid4()}/utilization")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"


async def _drive(fleet: Fleet, v: uuid.UUID, km: int, minutes: int) -> None:
    booking = await fleet.book(v, fleet.at(minutes=10), fleet.at(minutes=10 + minutes))
    fleet.clock.advance(minutes=10)
    trip = await fleet.start_trip(v, booking, fleet.states[v].odometer_km)
    fleet.clock.advance(minutes=minutes)
    await fleet.run(v, cmd.EndTrip(trip, fleet.states[v].odometer_km + km))


async def test_vehicles_fall_due_by_km_or_by_days_with_a_health_score(
    read: ReadSide, fleet: Fleet
) -> None:
    t0 = fleet.clock.now
    worn, fresh, sold = await fleet.register(), await fleet.register(), await fleet.register()
    await fleet.run(sold, cmd.RetireVehicle("sold"))
    await _drive(fleet, worn, 15_000, 60)  # 08:10-09:10: due by km at 09:10

    async def due(**params: Any) -> dict[str, Any]:
        body = await read.ok("/v1/analytics/maintenance/due", **params)
        mine = [i for i in body["items"] if i["vehicle_id"] in {str(worn), str(fresh), str(sold)}]
        return {i["vehicle_id"]: i for i in mine}

    now_due = await due(to=iso(t0 + timedelta(hours=2)))
    scored = await due(to=iso(t0 + timedelta(hours=2)), score_below=101)
    in_a_year = await due(to=iso(t0 + timedelta(days=366)))
    newly = await due(**{"from": iso(t0 + timedelta(days=1)), "to": iso(t0 + timedelta(days=366))})

    assert list(now_due) == [str(worn)]
    assert now_due[str(worn)] | {"vehicle_id": None} == {
        "vehicle_id": None,
        "health_score": 0,
        "due": True,
        "due_at": iso(t0 + timedelta(minutes=70)),
        "due_reason": "km",
        "odometer_km": 25_000,
        "km_since_service": 15_000,
        "days_since_service": 0,
        "trips_since_service": 1,
        "trip_hours_since_service": 1.0,
        "last_service_at": iso(t0),
    }
    # fresh: 2 h of 365 days used, no load: floor(100 * (1 - 2 / 8760)) = 99.
    assert scored[str(fresh)]["health_score"] == 99 and not scored[str(fresh)]["due"]
    assert in_a_year[str(fresh)]["due_at"] == iso(t0 + timedelta(days=365))
    assert in_a_year[str(fresh)]["due_reason"] == "days"
    assert list(newly) == [str(fresh)]


async def test_completed_maintenance_resets_the_service_cycle(read: ReadSide, fleet: Fleet) -> None:
    v = await fleet.register()
    await _drive(fleet, v, 16_000, 120)
    window = await fleet.maintenance(v, fleet.at(hours=1), fleet.at(hours=3))
    fleet.clock.advance(hours=2)
    await fleet.run(v, cmd.CompleteMaintenance(window, 26_010))

    body = await read.ok("/v1/analytics/maintenance/due", score_below=101)

    item = next(i for i in body["items"] if i["vehicle_id"] == str(v))
    assert (item["due"], item["km_since_service"], item["trips_since_service"]) == (False, 0, 0)
    assert (item["health_score"], item["last_service_at"]) == (100, iso(fleet.clock.now))
