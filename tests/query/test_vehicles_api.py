"""GET /v1/vehicles, /v1/vehicles/{id} and its calendar."""

from __future__ import annotations

import uuid
from uuid import UUID

from command_service.domain import commands as cmd
from tests.query.conftest import Fleet, ReadSide, iso


def a_make() -> str:
    return "Make" + uuid.uuid4().hex[:8]


async def test_vehicles_list_filters_by_status_and_make(read: ReadSide, fleet: Fleet) -> None:
    make = a_make()
    available = await fleet.register(make=make)
    inactive = await fleet.register(make=make)
    await fleet.register()  # another make
    await fleet.run(inactive, cmd.ChangeVehicleStatus("inactive", "winter"))

    everything = await read.ok("/v1/vehicles", make=make.lower())
    only_inactive = await read.ok("/v1/vehicles", make=make, status="inactive")

    assert sorted(UUID(v["vehicle_id"]) for v in everything["items"]) == sorted(
        [available, inactive]
    )
    assert [UUID(v["vehicle_id"]) for v in only_inactive["items"]] == [inactive]
    assert only_inactive["items"][0]["status"] == "inactive"


async def test_health_counts_km_and_days_since_the_last_service(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register(odometer_km=20_000)
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=2))
    trip_id = await fleet.start_trip(vehicle_id, booking_id, 20_000)
    await fleet.run(vehicle_id, cmd.EndTrip(trip_id, 35_500))
    fleet.clock.advance(days=40, hours=5)

    vehicle = await read.ok(f"/v1/vehicles/{vehicle_id}")

    assert vehicle["odometer_km"] == 35_500
    assert vehicle["health"] == {
        "km_since_service": 15_500,
        "days_since_service": 40,
        "service_due": True,
        "service_interval_km": 15_000,
        "service_interval_days": 365,
    }


async def test_vehicle_shows_its_running_trip_and_that_trips_booking(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()
    start, end = fleet.at(minutes=10), fleet.at(hours=3)
    booking_id = await fleet.book(vehicle_id, start, end)
    trip_id = await fleet.start_trip(vehicle_id, booking_id, 10_010)

    vehicle = await read.ok(f"/v1/vehicles/{vehicle_id}")

    assert vehicle["status"] == "in_use"
    assert vehicle["current_trip"]["trip_id"] == str(trip_id)
    assert vehicle["current_trip"]["started_at"] == iso(fleet.clock.now)
    assert vehicle["current_booking"]["booking_id"] == str(booking_id)
    assert (vehicle["current_booking"]["start"], vehicle["current_booking"]["end"]) == (
        iso(start),
        iso(end),
    )


async def test_vehicle_shows_the_booking_under_way_before_its_trip_starts(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=3))
    before = await read.ok(f"/v1/vehicles/{vehicle_id}")
    fleet.clock.advance(minutes=30)

    during = await read.ok(f"/v1/vehicles/{vehicle_id}")

    assert before["current_booking"] is None
    assert during["current_booking"]["booking_id"] == str(booking_id)
    assert during["current_trip"] is None


async def test_calendar_lists_blocking_blocks_in_the_window_by_start(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()
    booking_id = await fleet.book(vehicle_id, fleet.at(hours=5), fleet.at(hours=7))
    hold_id = await fleet.hold(vehicle_id, fleet.at(hours=1), fleet.at(hours=2), ttl_seconds=600)
    maintenance_id = await fleet.maintenance(vehicle_id, fleet.at(days=2), fleet.at(days=3))
    await fleet.book(vehicle_id, fleet.at(days=9), fleet.at(days=10))  # after the window

    body = await read.ok(f"/v1/vehicles/{vehicle_id}/calendar", to=iso(fleet.at(days=2, hours=1)))

    assert body == {
        "items": [
            {
                "kind": "hold",
                "id": str(hold_id),
                "start": iso(fleet.at(hours=1)),
                "end": iso(fleet.at(hours=2)),
                "expires_at": iso(fleet.at(minutes=10)),
            },
            {
                "kind": "booking",
                "id": str(booking_id),
                "start": iso(fleet.at(hours=5)),
                "end": iso(fleet.at(hours=7)),
                "expires_at": None,
            },
            {
                "kind": "maintenance",
                "id": str(maintenance_id),
                "start": iso(fleet.at(days=2)),
                "end": iso(fleet.at(days=3)),
                "expires_at": None,
            },
        ],
        "next_cursor": None,
    }


async def test_calendar_hides_an_expired_hold_and_pages_by_start(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()
    await fleet.hold(vehicle_id, fleet.at(hours=1), fleet.at(hours=2), ttl_seconds=60)
    bookings = [
        await fleet.book(vehicle_id, fleet.at(hours=h), fleet.at(hours=h + 1)) for h in (3, 5, 7)
    ]
    fleet.clock.advance(minutes=1)

    first = await read.ok(f"/v1/vehicles/{vehicle_id}/calendar", limit=2)
    second = await read.ok(
        f"/v1/vehicles/{vehicle_id}/calendar", limit=2, cursor=first["next_cursor"]
    )

    assert [b["id"] for b in first["items"] + second["items"]] == [str(b) for b in bookings]
    assert second["next_cursor"] is None


async def test_unknown_vehicle_is_a_404_problem(read: ReadSide) -> None:
    for path in (f"/v1/vehicles/{uuid.uuid4()}", f"/v1/vehicles/{uuid.uuid4()}/calendar"):
        response = await read.get(path)

        assert response.status_code == 404
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["type"] == "urn:fleetledger:problem:vehicle-not-found"


async def test_a_malformed_vehicle_id_is_a_422_problem(read: ReadSide) -> None:
    response = await read.get("/v1/vehicles/not-a-uuid")

    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "vehicle_id"
