"""Lists of bookings, holds, trips and maintenance: filters, keyset pages, single items."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from command_service.domain import commands as cmd
from command_service.domain.rules import MAX_BOOKING_LENGTH
from query_service.api.queries import bookings
from tests.query.conftest import Fleet, ReadSide, iso


async def walk(read: ReadSide, path: str, key: str, **params: Any) -> list[str]:
    """Every item id of a list, following next_cursor page by page."""
    seen: list[str] = []
    cursor = None
    while True:
        extra: dict[str, str] = {"cursor": cursor} if cursor else {}
        body = await read.ok(path, **params, **extra)
        seen += [item[key] for item in body["items"]]
        if (cursor := body["next_cursor"]) is None:
            return seen


async def test_a_cursor_walk_sees_every_booking_once_in_order_even_with_equal_starts(
    read: ReadSide, fleet: Fleet
) -> None:
    customer = uuid.uuid4()
    vehicles = [await fleet.register() for _ in range(3)]
    expected: list[tuple[str, str]] = []
    for hours in (30, 10, 20):
        for vehicle_id in vehicles:  # three bookings share each start
            start = fleet.at(hours=hours)
            booking_id = await fleet.book(vehicle_id, start, fleet.at(hours=hours + 1), customer)
            expected.append((iso(start), str(booking_id)))

    seen = await walk(read, "/v1/bookings", "booking_id", customer_id=str(customer), limit=2)

    assert seen == [booking_id for _, booking_id in sorted(expected)]


async def test_bookings_filter_by_vehicle_status_and_window(read: ReadSide, fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    early = await fleet.book(vehicle_id, fleet.at(hours=1), fleet.at(hours=3))
    late = await fleet.book(vehicle_id, fleet.at(days=2), fleet.at(days=2, hours=2))
    cancelled = await fleet.book(vehicle_id, fleet.at(days=3), fleet.at(days=3, hours=2))
    await fleet.run(vehicle_id, cmd.CancelBooking(cancelled, "no"))
    path, v = "/v1/bookings", str(vehicle_id)

    assert await walk(read, path, "booking_id", vehicle_id=v) == [
        str(early),
        str(late),
        str(cancelled),
    ]
    assert await walk(read, path, "booking_id", vehicle_id=v, status="cancelled") == [
        str(cancelled)
    ]
    in_window = await walk(
        read,
        path,
        "booking_id",
        vehicle_id=v,
        **{"from": iso(fleet.at(hours=2)), "to": iso(fleet.at(days=2, hours=1))},
    )
    assert in_window == [str(early), str(late)]
    touching = await walk(
        read, path, "booking_id", vehicle_id=v, **{"from": iso(fleet.at(hours=3))}
    )
    assert touching == [str(late), str(cancelled)]


async def test_a_booking_reads_back_with_its_price_and_refund(read: ReadSide, fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    customer = uuid.uuid4()
    start, end = fleet.at(days=1), fleet.at(days=1, hours=2)
    booking_id = await fleet.book(vehicle_id, start, end, customer)
    await fleet.run(vehicle_id, cmd.CancelBooking(booking_id, "ill"))

    booking = await read.ok(f"/v1/bookings/{booking_id}")

    assert booking == {
        "booking_id": str(booking_id),
        "vehicle_id": str(vehicle_id),
        "customer_id": str(customer),
        "hold_id": None,
        "start": iso(start),
        "end": iso(end),
        "price_cents": 2_000,
        "currency": "EUR",
        "purpose": None,
        "cost_centre": None,
        "location_id": None,
        "status": "cancelled",
        "trip_id": None,
        "confirmed_at": iso(fleet.clock.now),
        "cancelled_at": iso(fleet.clock.now),
        "cancel_reason": "ill",
        "refund_cents": 1_000,
        "refund_percent": 50,
        "completed_at": None,
        # priced by the vehicle's own rates (no policy matches it): one line
        "breakdown": [{"label": "2 hours", "amount_cents": 2_000}],
        "deposit_cents": 0,
        "extras": [],
        "policy_id": None,
        "policy_version": None,
        "demand": None,
        "quote_id": None,
        "payment": None,  # booked without a payment
    }


async def test_holds_report_expired_once_past_expires_at_before_the_sweeper(
    read: ReadSide, fleet: Fleet
) -> None:
    vehicle_id = await fleet.register()
    lapsing = await fleet.hold(vehicle_id, fleet.at(hours=1), fleet.at(hours=2), ttl_seconds=60)
    lasting = await fleet.hold(vehicle_id, fleet.at(hours=3), fleet.at(hours=4), ttl_seconds=3600)
    released = await fleet.hold(vehicle_id, fleet.at(hours=5), fleet.at(hours=6))
    await fleet.run(vehicle_id, cmd.ReleaseHold(released))
    fleet.clock.advance(minutes=5)
    v = str(vehicle_id)

    assert await walk(read, "/v1/holds", "hold_id", vehicle_id=v, status="active") == [str(lasting)]
    assert await walk(read, "/v1/holds", "hold_id", vehicle_id=v, status="expired") == [
        str(lapsing)
    ]
    assert await walk(read, "/v1/holds", "hold_id", vehicle_id=v, status="released") == [
        str(released)
    ]
    hold = await read.ok(f"/v1/holds/{lapsing}")
    assert (hold["status"], hold["expires_at"]) == ("expired", iso(fleet.at(minutes=-4)))


async def test_trips_filter_by_customer_status_and_window(read: ReadSide, fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    customer = uuid.uuid4()
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=1), customer)
    ended = await fleet.start_trip(vehicle_id, booking_id, 10_000)
    fleet.clock.advance(hours=1)
    await fleet.run(vehicle_id, cmd.EndTrip(ended, 10_040))
    booking_id = await fleet.book(vehicle_id, fleet.at(minutes=10), fleet.at(hours=2), customer)
    running = await fleet.start_trip(vehicle_id, booking_id, 10_040)
    c = str(customer)

    assert await walk(read, "/v1/trips", "trip_id", customer_id=c) == [str(ended), str(running)]
    assert await walk(read, "/v1/trips", "trip_id", customer_id=c, status="running") == [
        str(running)
    ]
    since_now = await walk(
        read, "/v1/trips", "trip_id", customer_id=c, **{"from": iso(fleet.clock.now)}
    )
    assert since_now == [str(running)]
    trip = await read.ok(f"/v1/trips/{ended}")
    assert (trip["distance_km"], trip["duration_s"], trip["status"]) == (40, 3600, "ended")


async def test_maintenance_lists_and_reads_back(read: ReadSide, fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    maintenance_id = await fleet.maintenance(vehicle_id, fleet.at(hours=1), fleet.at(hours=4))

    listed = await walk(read, "/v1/maintenance", "maintenance_id", vehicle_id=str(vehicle_id))
    window = await read.ok(f"/v1/maintenance/{maintenance_id}")

    assert listed == [str(maintenance_id)]
    assert (window["status"], window["start"], window["reason"]) == (
        "scheduled",
        iso(fleet.at(hours=1)),
        "service",
    )


@pytest.mark.parametrize("resource", ["bookings", "holds", "trips", "maintenance"])
async def test_unknown_ids_are_404_problems(read: ReadSide, resource: str) -> None:
    response = await read.get(f"/v1/{resource}/{uuid.uuid4()}")

    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["title"] == "Not found"


@pytest.mark.parametrize(
    ("path", "params", "field"),
    [
        ("/v1/bookings", {"limit": 0}, "limit"),
        ("/v1/trips", {"limit": 501}, "limit"),
        ("/v1/bookings", {"status": "pending"}, "status"),
        ("/v1/holds", {"cursor": "bm90IGpzb24"}, "cursor"),
        ("/v1/vehicles", {"cursor": "eyJrIjoiYm9va2luZ3MiLCJ2IjpbXX0"}, "cursor"),
        ("/v1/trips", {"from": "2030-01-02T00:00:00Z", "to": "2030-01-01T00:00:00Z"}, "to"),
        ("/v1/bookings", {"from": "yesterday"}, "from"),
    ],
)
async def test_invalid_list_queries_are_422_problems(
    read: ReadSide, path: str, params: dict[str, Any], field: str
) -> None:
    response = await read.get(path, **params)

    assert response.status_code == 422, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert [e["field"] for e in response.json()["errors"]] == [field]


async def test_a_cursor_of_one_list_is_refused_by_another(read: ReadSide, fleet: Fleet) -> None:
    vehicle_id = await fleet.register()
    for hours in (1, 2):
        await fleet.book(vehicle_id, fleet.at(hours=hours), fleet.at(hours=hours, minutes=30))
    page = await read.ok("/v1/bookings", vehicle_id=str(vehicle_id), limit=1)

    response = await read.get("/v1/trips", cursor=page["next_cursor"])

    assert response.status_code == 422


def test_the_overlap_bound_matches_the_longest_booking_the_domain_allows() -> None:
    assert bookings.MAX_BOOKING_LENGTH == MAX_BOOKING_LENGTH
