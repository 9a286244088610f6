"""Fleet analytics on one hand-computed scenario (this module's database holds nothing else).

Monday 2030-01-07, clock at 08:00 UTC. Vehicles A and B (1,000 cents an hour) registered.
A: booking A1 [10:00, 13:30) with a trip 10:00-12:00; booking A2 tomorrow 09:00-10:00,
cancelled at once (100 % refund). B: booking B1 [09:00, 11:00), never driven (a no-show);
B goes to maintenance at 12:00. Read at 14:00.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

import pytest

from command_service.domain import commands as cmd
from tests.query.conftest import Fleet, ReadSide, iso

_BUILT: dict[str, Any] = {}


@pytest.fixture
async def scenario(read: ReadSide, fleet: Fleet) -> dict[str, UUID]:
    """Built once in the module's database; every test reads it at 14:00."""
    if not _BUILT:
        _BUILT["ids"] = await _build(fleet)
        _BUILT["now"] = fleet.clock.now
    fleet.clock.now = _BUILT["now"]
    ids: dict[str, UUID] = _BUILT["ids"]
    return ids


async def _build(fleet: Fleet) -> dict[str, UUID]:
    t0 = fleet.clock.now
    a, b = await fleet.register(), await fleet.register()
    a1 = await fleet.book(a, t0 + timedelta(hours=2), t0 + timedelta(hours=5, minutes=30))
    await fleet.book(b, t0 + timedelta(hours=1), t0 + timedelta(hours=3))
    a2 = await fleet.book(a, t0 + timedelta(hours=25), t0 + timedelta(hours=26))
    await fleet.run(a, cmd.CancelBooking(a2, "plans changed"))
    fleet.clock.advance(hours=2)
    trip = await fleet.start_trip(a, a1, 10_000)
    fleet.clock.advance(hours=2)
    await fleet.run(a, cmd.EndTrip(trip, 10_120))
    await fleet.run(b, cmd.ChangeVehicleStatus("maintenance", "brakes"))
    fleet.clock.advance(hours=2)
    return {"a": a, "b": b}


def _bucket(start: str, available: int, booked: int, driven: int) -> dict[str, object]:
    return {
        "start": start,
        "available_seconds": available,
        "booked_seconds": booked,
        "driven_seconds": driven,
        "idle_seconds": max(0, available - booked),
        "booked_utilization": booked / available,
        "driven_utilization": driven / available,
    }


async def test_fleet_utilization_by_hour_and_by_day(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    hourly = await read.ok(
        "/v1/analytics/fleet/utilization",
        **{"from": "2030-01-07T08:00:00Z", "to": "2030-01-07T14:00:00Z"},
    )
    daily = await read.ok(
        "/v1/analytics/fleet/utilization",
        granularity="day",
        **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-08T00:00:00Z"},
    )

    assert hourly["buckets"] == [
        _bucket("2030-01-07T08:00:00Z", 7_200, 0, 0),
        _bucket("2030-01-07T09:00:00Z", 7_200, 3_600, 0),
        _bucket("2030-01-07T10:00:00Z", 7_200, 7_200, 3_600),
        _bucket("2030-01-07T11:00:00Z", 7_200, 3_600, 3_600),
        _bucket("2030-01-07T12:00:00Z", 3_600, 3_600, 0),
        _bucket("2030-01-07T13:00:00Z", 3_600, 1_800, 0),
    ]
    assert hourly["totals"] == {
        "available_seconds": 36_000,
        "booked_seconds": 19_800,
        "driven_seconds": 7_200,
        "idle_seconds": 16_200,
        "booked_utilization": 0.55,
        "driven_utilization": 0.2,
    }
    # A stays in service to the end of the day (16 h), B until 12:00 (4 h).
    assert daily["buckets"] == [_bucket("2030-01-07T00:00:00Z", 72_000, 19_800, 7_200)]
    assert (daily["from"], daily["to"]) == ("2030-01-07T00:00:00Z", "2030-01-08T00:00:00Z")


async def test_peak_hours_by_weekday_and_hour(read: ReadSide, scenario: dict[str, UUID]) -> None:
    peak = await read.ok(
        "/v1/analytics/peak-hours", **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-14T00:00:00Z"}
    )

    used = {
        (c["day_of_week"], c["hour"]): (c["booked_seconds"], c["driven_seconds"])
        for c in peak["cells"]
        if c["booked_seconds"] or c["driven_seconds"]
    }
    assert len(peak["cells"]) == 168
    assert used == {
        (1, 9): (3_600, 0),
        (1, 10): (7_200, 3_600),
        (1, 11): (3_600, 3_600),
        (1, 12): (3_600, 0),
        (1, 13): (1_800, 0),
    }
    assert peak["peak_booked"] == {
        "day_of_week": 1,
        "hour": 10,
        "booked_seconds": 7_200,
        "driven_seconds": 3_600,
    }
    assert peak["peak_driven"]["hour"] == 10
    assert peak["by_hour"][10] == {
        "day_of_week": 0,
        "hour": 10,
        "booked_seconds": 7_200,
        "driven_seconds": 3_600,
    }


async def test_booking_stats_count_cancellations_completions_and_no_shows(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    stats = await read.ok(
        "/v1/analytics/bookings/stats",
        **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-09T00:00:00Z"},
    )

    assert stats == {
        "from": "2030-01-07T00:00:00Z",
        "to": "2030-01-09T00:00:00Z",
        "bookings": 3,
        "confirmed": 1,
        "cancelled": 1,
        "completed": 1,
        "trips_started": 1,
        "no_shows": 1,
        "cancellation_rate": 1 / 3,
        "completion_rate": 0.5,
        "no_show_rate": 0.5,
        "mean_lead_time_seconds": (7_200 + 3_600 + 90_000) / 3,
        "mean_duration_seconds": (12_600 + 7_200 + 3_600) / 3,
    }


async def test_no_show_is_judged_only_15_minutes_after_the_end(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    read.fleet.clock.now = read.fleet.clock.now.replace(hour=11, minute=14)
    before = await read.ok(
        "/v1/analytics/bookings/stats",
        **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-08T00:00:00Z"},
    )
    read.fleet.clock.advance(minutes=1)
    after = await read.ok(
        "/v1/analytics/bookings/stats",
        **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-08T00:00:00Z"},
    )

    assert (before["no_shows"], after["no_shows"]) == (0, 1)


async def test_revenue_by_day_and_by_vehicle_nets_refunds(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    revenue = await read.ok(
        "/v1/analytics/revenue", **{"from": "2030-01-07T00:00:00Z", "to": "2030-01-09T00:00:00Z"}
    )

    def money(booked: int, refunded: int, bookings: int, cancelled: int) -> dict[str, object]:
        return {
            "currency": "EUR",
            "booked_cents": booked,
            "captured_cents": 0,  # no booking here has a payment
            "refunded_cents": refunded,
            "revenue_cents": booked - refunded,
            "bookings": bookings,
            "paid_bookings": 0,
            "cancelled": cancelled,
        }

    # the price per booked hour: 7,000 cents over 3.5 + 2 + 1 h; 6,000 over 5.5 h; 1,000 over 1 h
    total = {**money(7_000, 1_000, 3, 1), "price_per_booked_hour_cents": 1_077}
    assert revenue["totals"] == [total]
    assert revenue["buckets"] == [
        {"start": "2030-01-07T00:00:00Z", **money(6_000, 0, 2, 0),
         "price_per_booked_hour_cents": 1_091},
        {"start": "2030-01-08T00:00:00Z", **money(1_000, 1_000, 1, 1),
         "price_per_booked_hour_cents": 1_000},
    ]  # fmt: skip
    assert revenue["vehicles"] == [
        {"vehicle_id": str(scenario["a"]), **money(5_000, 1_000, 2, 1)},
        {"vehicle_id": str(scenario["b"]), **money(2_000, 0, 1, 0)},
    ]


async def test_underutilized_lists_vehicles_below_the_threshold(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    day = {"from": "2030-01-07T00:00:00Z", "to": "2030-01-08T00:00:00Z"}
    booked = await read.ok("/v1/analytics/underutilized", threshold=0.5, **day)
    driven = await read.ok("/v1/analytics/underutilized", threshold=0.2, metric="driven", **day)

    a, b = str(scenario["a"]), str(scenario["b"])
    # A: 12,600 s booked of 57,600 in service; B: 7,200 of 14,400 (exactly 0.5: not below).
    assert booked["items"] == [
        {
            "vehicle_id": a,
            "available_seconds": 57_600,
            "booked_seconds": 12_600,
            "driven_seconds": 7_200,
            "utilization": 0.21875,
        }
    ]
    assert [(i["vehicle_id"], i["utilization"]) for i in driven["items"]] == [(b, 0), (a, 0.125)]
    assert driven["next_cursor"] is None


async def test_analytics_reject_bad_windows_as_problems(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    t = iso(read.fleet.clock.now)
    bad = [
        ("/v1/analytics/fleet/utilization", {"from": t, "to": t}),
        (
            "/v1/analytics/fleet/utilization",
            {"from": "2029-12-01T00:00:00Z", "to": t, "granularity": "hour"},
        ),
        ("/v1/analytics/fleet/utilization", {"from": "2029-09-01T00:00:00Z", "to": t}),
        ("/v1/analytics/fleet/utilization", {"granularity": "week"}),
        ("/v1/analytics/revenue", {"from": "2029-01-01T00:00:00Z", "to": t}),
        ("/v1/analytics/underutilized", {"threshold": "1.5"}),
        ("/v1/analytics/peak-hours", {"from": "2030-01-08T00:00:00"}),
        ("/v1/analytics/maintenance/due", {"from": t, "to": t}),
        ("/v1/analytics/underutilized", {"cursor": "nonsense"}),
    ]
    for path, params in bad:
        response = await read.get(path, **params)
        assert response.status_code == 422, (path, params, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert response.json()["errors"], response.text


@pytest.mark.parametrize(
    "path", ["/v1/analytics/fleet/utilization", "/v1/analytics/vehicles/{a}/utilization"]
)
async def test_utilization_without_granularity_uses_the_finest_the_window_allows(
    read: ReadSide, scenario: dict[str, UUID], path: str
) -> None:
    url = path.format(a=scenario["a"])
    short = await read.ok(url, **{"from": "2030-01-07T08:00:00Z", "to": "2030-01-07T14:00:00Z"})
    month = await read.ok(url, **{"from": "2029-12-07T08:00:00Z", "to": "2030-01-07T08:00:00Z"})
    sixty = await read.ok(url, **{"from": "2029-11-08T00:00:00Z", "to": "2030-01-07T00:00:00Z"})

    assert (short["granularity"], len(short["buckets"])) == ("hour", 6)
    assert (month["granularity"], len(month["buckets"])) == ("hour", 31 * 24)
    assert (sixty["granularity"], len(sixty["buckets"])) == ("day", 60)
    assert sixty["to"] == "2030-01-07T00:00:00Z"


async def test_asking_for_a_granularity_too_fine_for_the_window_names_the_way_out(
    read: ReadSide, scenario: dict[str, UUID]
) -> None:
    sixty = {"from": "2029-11-08T00:00:00Z", "to": "2030-01-07T00:00:00Z"}
    response = await read.get("/v1/analytics/fleet/utilization", granularity="hour", **sixty)

    assert response.status_code == 422, response.text
    assert "granularity=day" in response.json()["detail"]
    assert response.json()["errors"][0]["field"] == "from"
