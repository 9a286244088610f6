"""GET /v1/availability: vehicles free for the whole half-open window, with its price."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import UUID

import pytest

from command_service.domain import commands as cmd
from query_service.api.queries.availability import Near, Wanted, availability_sql, bounding_box
from shared.contract.events import Location
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.query.conftest import Fleet, ReadSide, iso


def a_make() -> str:
    """A make no other test uses, so each test sees only its own vehicles."""
    return "Make" + uuid.uuid4().hex[:8]


async def free(read: ReadSide, start: datetime, end: datetime, **params: Any) -> list[UUID]:
    body = await read.ok("/v1/availability", start=iso(start), end=iso(end), **params)
    return [UUID(item["vehicle_id"]) for item in body["items"]]


async def test_a_booking_overlapping_the_window_makes_the_vehicle_unavailable(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    booked, idle = await fleet.register(make=make), await fleet.register(make=make)
    await fleet.book(booked, fleet.at(hours=10), fleet.at(hours=12))

    assert await free(read, fleet.at(hours=11), fleet.at(hours=13), make=make) == [idle]


@pytest.mark.parametrize(
    ("start_h", "end_h", "is_free"),
    [
        (8, 10, True),  # ends exactly where the booking starts
        (12, 14, True),  # starts exactly where the booking ends
        (9, 10.01, False),
        (11.99, 13, False),
        (10.5, 11, False),  # inside
        (9, 13, False),  # around
    ],
)
async def test_windows_are_half_open(
    read: ReadSide, fleet: Fleet, start_h: float, end_h: float, is_free: bool
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    await fleet.book(vehicle_id, fleet.at(hours=10), fleet.at(hours=12))

    found = await free(read, fleet.at(hours=start_h), fleet.at(hours=end_h), make=make)

    assert found == ([vehicle_id] if is_free else [])


async def test_a_hold_blocks_only_until_it_expires_even_before_the_expiry_event(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    await fleet.hold(vehicle_id, fleet.at(hours=2), fleet.at(hours=4), ttl_seconds=300)
    window = (fleet.at(hours=3), fleet.at(hours=5))
    assert await free(read, *window, make=make) == []

    fleet.clock.advance(seconds=300)

    assert await free(read, *window, make=make) == [vehicle_id]


async def test_a_maintenance_window_blocks_until_it_is_completed(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    maintenance_id = await fleet.maintenance(vehicle_id, fleet.at(hours=1), fleet.at(hours=8))
    later = (fleet.at(hours=5), fleet.at(hours=6))
    assert await free(read, *later, make=make) == []
    fleet.clock.advance(hours=2)

    await fleet.run(vehicle_id, cmd.CompleteMaintenance(maintenance_id, 10_000))

    assert await free(read, *later, make=make) == [vehicle_id]
    assert await free(read, fleet.at(hours=-1.5), fleet.at(hours=1), make=make) == []


async def test_cancelled_and_completed_bookings_no_longer_block(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    cancelled, completed = await fleet.register(make=make), await fleet.register(make=make)
    booking_id = await fleet.book(cancelled, fleet.at(days=2), fleet.at(days=2, hours=4))
    await fleet.run(cancelled, cmd.CancelBooking(booking_id, "no longer needed"))
    booking_id = await fleet.book(completed, fleet.at(minutes=10), fleet.at(days=3))
    trip_id = await fleet.start_trip(completed, booking_id, 10_000)
    await fleet.run(completed, cmd.EndTrip(trip_id, 10_001))

    found = await free(read, fleet.at(days=2), fleet.at(days=2, hours=1), make=make)

    assert sorted(found) == sorted([cancelled, completed])


async def test_inactive_and_retired_vehicles_are_never_available(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    inactive, retired = await fleet.register(make=make), await fleet.register(make=make)
    in_maintenance = await fleet.register(make=make)
    await fleet.run(inactive, cmd.ChangeVehicleStatus("inactive", "winter"))
    await fleet.run(retired, cmd.RetireVehicle("sold"))
    await fleet.run(in_maintenance, cmd.ChangeVehicleStatus("maintenance", "tyres"))

    assert await free(read, fleet.at(days=1), fleet.at(days=2), make=make) == [in_maintenance]


async def test_filters_by_make_model_and_seats_ignoring_case(read: ReadSide, fleet: Fleet) -> None:
    make = a_make()
    van = await fleet.register(make=make, model="Transporter", seats=9)
    await fleet.register(make=make, model="Golf", seats=5)
    await fleet.register(make=make, model="Transporter", seats=3)
    window = (fleet.at(days=1), fleet.at(days=2))

    found = await free(read, *window, make=make.upper(), model="transporter", min_seats=4)

    assert found == [van]


async def test_each_vehicle_is_priced_for_the_window_at_its_rates(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make, hourly_rate_cents=700, daily_rate_cents=5_000)
    start = fleet.at(days=1)

    body = await read.ok(
        "/v1/availability",
        start=iso(start),
        end=iso(fleet.at(days=2, hours=1, minutes=5)),
        make=make,
    )

    # one full day at the daily rate, then 2 started hours at the hourly rate
    assert body["items"] == [
        {
            "vehicle_id": str(vehicle_id),
            "plate": body["items"][0]["plate"],
            "make": make,
            "model": "Golf",
            "year": 2028,
            "seats": 5,
            "currency": "EUR",
            "hourly_rate_cents": 700,
            "daily_rate_cents": 5_000,
            "price_cents": 5_000 + 2 * 700,
        }
    ]
    assert body["next_cursor"] is None


async def test_near_lists_vehicles_within_the_radius_nearest_first(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    potsdam = await fleet.register(make=make, home=Location(lat=52.3906, lon=13.0645))
    mitte = await fleet.register(make=make, home=Location(lat=52.5200, lon=13.4050))
    await fleet.register(make=make, home=Location(lat=48.1351, lon=11.5820))  # Munich
    await fleet.register(make=make, home=None)
    start, end = iso(fleet.at(days=1)), iso(fleet.at(days=2))

    body = await read.ok(
        "/v1/availability", start=start, end=end, make=make, near="52.52,13.40", radius_km=40
    )

    assert [UUID(i["vehicle_id"]) for i in body["items"]] == [mitte, potsdam]
    distances = [i["distance_km"] for i in body["items"]]
    assert distances[0] < 1 and 25 < distances[1] < 30


async def test_near_pages_through_every_vehicle_in_distance_order(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    ids = [
        await fleet.register(make=make, home=Location(lat=52.0 + i * 0.01, lon=13.0))
        for i in range(5)
    ]
    params: dict[str, Any] = {"start": iso(fleet.at(days=1)), "end": iso(fleet.at(days=2))}
    params |= {"make": make}
    params |= {"near": "52.0,13.0", "radius_km": 100, "limit": 2}
    seen: list[UUID] = []
    cursor = None
    while True:
        body = await read.ok("/v1/availability", **params, **({"cursor": cursor} if cursor else {}))
        seen += [UUID(i["vehicle_id"]) for i in body["items"]]
        if (cursor := body["next_cursor"]) is None:
            break

    assert seen == ids


def midnight(fleet: Fleet, days: int) -> datetime:
    """UTC midnight `days` days after today's."""
    today = fleet.clock.now.replace(hour=0, minute=0, second=0, microsecond=0)
    return today + timedelta(days=days)


@pytest.mark.parametrize(
    ("start_h", "end_h", "is_free"),
    [
        (-3, -1, True),  # the booking's first day, ending where the booking starts
        (-1.25, -0.75, False),  # its first day only
        (0.5, 2, False),  # its second day only
        (1, 3, True),  # its second day, starting where the booking ends
        (-0.5, 0.5, False),  # across midnight, inside it
        (-24, 24, False),  # both whole days
    ],
)
async def test_a_booking_across_midnight_blocks_exactly_its_hours_on_both_days(
    read: ReadSide, fleet: Fleet, start_h: float, end_h: float, is_free: bool
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    night = midnight(fleet, 3)
    await fleet.book(vehicle_id, night - timedelta(hours=1), night + timedelta(hours=1))

    window = (night + timedelta(hours=start_h), night + timedelta(hours=end_h))

    assert await free(read, *window, make=make) == ([vehicle_id] if is_free else [])


async def test_a_long_window_is_blocked_by_a_short_booking_on_any_day_it_spans(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    booked = midnight(fleet, 20) + timedelta(hours=12)
    await fleet.book(vehicle_id, booked, booked + timedelta(hours=1))

    assert await free(read, midnight(fleet, 2), midnight(fleet, 40), make=make) == []
    assert await free(read, midnight(fleet, 2), booked, make=make) == [vehicle_id]
    after = booked + timedelta(hours=1)
    assert await free(read, after, midnight(fleet, 40), make=make) == [vehicle_id]


async def test_a_hold_over_several_days_stops_blocking_all_of_them_when_it_expires(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    await fleet.hold(vehicle_id, midnight(fleet, 2), midnight(fleet, 6), ttl_seconds=300)
    windows = [(midnight(fleet, d), midnight(fleet, d) + timedelta(hours=1)) for d in (2, 4, 5)]
    for window in windows:
        assert await free(read, *window, make=make) == []

    fleet.clock.advance(seconds=300)  # no HoldExpired yet: the reader's clock decides

    for window in windows:
        assert await free(read, *window, make=make) == [vehicle_id]


async def test_maintenance_completed_early_frees_exactly_the_rest_of_its_days(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    start, end = fleet.at(hours=1), midnight(fleet, 5)
    scheduled = await fleet.maintenance(vehicle_id, start, end)
    done = midnight(fleet, 2) + timedelta(hours=12)
    fleet.clock.advance(seconds=(done - fleet.clock.now).total_seconds())

    await fleet.run(vehicle_id, cmd.CompleteMaintenance(scheduled, 10_000))

    hour = timedelta(hours=1)
    assert await free(read, start, start + hour, make=make) == []
    assert await free(read, done - hour, done, make=make) == []
    assert await free(read, done, done + hour, make=make) == [vehicle_id]
    assert await free(read, end - timedelta(days=1), end, make=make) == [vehicle_id]
    assert await free(read, start - hour, start, make=make) == [vehicle_id]


async def test_a_block_removed_from_under_an_overlapping_one_leaves_that_one_blocking(
    read: ReadSide, fleet: Fleet
) -> None:
    make = a_make()
    vehicle_id = await fleet.register(make=make)
    hold_id = await fleet.hold(vehicle_id, fleet.at(hours=10), fleet.at(hours=12), 300)
    fleet.clock.advance(seconds=300)  # expired, not yet swept: a booking may overlap it
    await fleet.book(vehicle_id, fleet.at(hours=11), fleet.at(hours=13))

    await fleet.run(vehicle_id, cmd.ExpireHold(hold_id))

    assert await free(read, fleet.at(hours=11.5), fleet.at(hours=12), make=make) == []
    assert await free(read, fleet.at(hours=9), fleet.at(hours=10.9), make=make) == [vehicle_id]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T10:00:00Z"}, "end"),
        ({"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T09:00:00Z"}, "end"),
        ({"start": "2030-01-08T10:00:00", "end": "2030-01-08T11:00:00Z"}, "start"),
        ({"end": "2030-01-08T11:00:00Z"}, "start"),
        ({"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T11:00:00Z", "near": "x"}, "near"),
        ({"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T11:00:00Z", "near": "91,0"}, "near"),
        (
            {"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T11:00:00Z", "radius_km": 5},
            "radius_km",
        ),
        ({"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T11:00:00Z", "limit": 501}, "limit"),
        (
            {"start": "2030-01-08T10:00:00Z", "end": "2030-01-08T11:00:00Z", "cursor": "zz"},
            "cursor",
        ),
    ],
)
async def test_invalid_queries_are_422_problems_naming_the_field(
    read: ReadSide, params: dict[str, Any], field: str
) -> None:
    response = await read.get("/v1/availability", **params)

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422
    assert field in [error["field"] for error in problem["errors"]]


def test_bounding_box_contains_the_circle_and_drops_longitude_near_a_pole() -> None:
    box = bounding_box(Near(52.52, 13.405, 10))
    # 10 km is 0.0899 degrees of latitude, 0.1478 degrees of longitude at 52.52 N
    assert box == pytest.approx((52.4301, 52.6099, 13.2572, 13.5528), abs=1e-3)
    assert bounding_box(Near(89.99, 0, 10))[2:] == (None, None)
    assert bounding_box(Near(0, 179.99, 10))[2:] == (None, None)


def test_a_page_query_carries_its_size_as_a_literal_not_a_parameter() -> None:
    # With `LIMIT $n` PostgreSQL re-planned every execution of the prepared statement at
    # fleet scale (tests/query/explain_availability.py prints the plan cache's counts).
    wanted = Wanted(datetime(2030, 1, 8, 10, tzinfo=UTC), datetime(2030, 1, 8, 11, tzinfo=UTC))
    sql, args = availability_sql(wanted, wanted.start, None, 50, DEFAULT_ORGANIZATION_ID)

    assert sql.endswith(" LIMIT 51")
    assert f"${len(args)}" in sql and f"${len(args) + 1}" not in sql
