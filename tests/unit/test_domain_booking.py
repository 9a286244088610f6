"""Specs of BookVehicle, the booking window rules, pricing and CancelBooking."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta, timezone

import pytest

from command_service.domain import active_blocks
from command_service.domain.commands import ChangeVehicleStatus, Command, UpdateVehicleDetails
from command_service.domain.errors import (
    BookingNotCancellableError,
    Conflict,
    IdAlreadyUsedError,
    InvalidCommandError,
    OverlappingBlockError,
    UnknownEntityError,
    VehicleInactiveError,
)
from command_service.domain.rules import price_cents
from shared.contract.events import BookingCancelled, BookingConfirmed
from shared.pricing.engine import price_by_vehicle_rates
from tests.unit.fakes import (
    BOOKING,
    BOOKING_2,
    BOOKING_3,
    CUSTOMER,
    DAILY,
    HOLD,
    HOLD_2,
    HOURLY,
    MAINTENANCE,
    NOW,
    REGISTERED_AT,
    Vehicle,
    at,
    book,
    cancel,
    end_trip,
    place_hold,
    schedule,
    start_trip,
)

Window = Callable[[datetime, datetime], Command]
WINDOW_COMMANDS: list[Window] = [
    lambda start, end: book(start, end, BOOKING_2),
    lambda start, end: place_hold(start, end, HOLD_2),
]
WINDOW_IDS = ["BookVehicle", "PlaceHold"]
JUST_AFTER_REGISTRATION = REGISTERED_AT + timedelta(minutes=1)


def test_books_a_free_future_window_at_the_vehicle_price(vehicle: Vehicle) -> None:
    rates = price_by_vehicle_rates(at(days=1), at(days=1, hours=3), HOURLY, DAILY, "EUR")
    expected = vehicle.then(
        BookingConfirmed,
        booking_id=BOOKING,
        customer_id=CUSTOMER,
        start=at(days=1),
        end=at(days=1, hours=3),
        price_cents=3 * HOURLY,
        currency="EUR",
        pricing=rates,  # no policy matches: recorded as priced by the vehicle's rates
    )
    assert vehicle.when(book(at(days=1), at(days=1, hours=3))) == [expected]


def test_booking_keeps_its_purpose(vehicle: Vehicle) -> None:
    command = replace(book(at(days=1), at(days=2)), purpose="airport run")
    assert vehicle.when(command)[0].model_dump()["purpose"] == "airport run"


def test_booking_times_are_recorded_in_utc(vehicle: Vehicle) -> None:
    plus_two = timezone(timedelta(hours=2))
    booked = vehicle.when(book(at(days=1).astimezone(plus_two), at(days=2).astimezone(plus_two)))
    assert isinstance(booked[0], BookingConfirmed)
    assert booked[0].start.utcoffset() == timedelta(0)
    assert booked[0].start == at(days=1)


@pytest.mark.parametrize("command", WINDOW_COMMANDS, ids=WINDOW_IDS)
@pytest.mark.parametrize(
    ("start", "end", "field"),
    [
        (NOW, at(hours=1), "start"),
        (at(hours=-1), at(hours=1), "start"),
        (at(hours=2), at(hours=2), "end"),
        (at(hours=2), at(hours=1), "end"),
        (at(hours=1), at(hours=1, minutes=14, seconds=59), "end"),
        (at(hours=1), at(days=30, hours=1, seconds=1), "end"),
        (at(days=365, seconds=1), at(days=366), "start"),
        (at(hours=1).replace(tzinfo=None), at(hours=2), "start"),
        (at(hours=1), at(hours=2).replace(tzinfo=None), "end"),
    ],
)
def test_rejects_a_window_outside_the_booking_rules(
    vehicle: Vehicle, command: Window, start: datetime, end: datetime, field: str
) -> None:
    with pytest.raises(InvalidCommandError) as raised:
        vehicle.when(command(start, end))
    assert raised.value.field == field


@pytest.mark.parametrize("command", WINDOW_COMMANDS, ids=WINDOW_IDS)
@pytest.mark.parametrize(
    ("start", "end"),
    [
        (at(seconds=1), at(minutes=15, seconds=1)),
        (at(hours=1), at(days=30, hours=1)),
        (at(days=365), at(days=366)),
    ],
)
def test_accepts_a_window_on_the_edge_of_the_booking_rules(
    vehicle: Vehicle, command: Window, start: datetime, end: datetime
) -> None:
    assert len(vehicle.when(command(start, end))) == 1


@pytest.mark.parametrize("command", WINDOW_COMMANDS, ids=WINDOW_IDS)
def test_rejects_holding_or_booking_an_inactive_vehicle(vehicle: Vehicle, command: Window) -> None:
    vehicle.given(ChangeVehicleStatus(status="inactive", reason="winter"))
    with pytest.raises(VehicleInactiveError):
        vehicle.when(command(at(days=1), at(days=2)))


@pytest.mark.parametrize("command", WINDOW_COMMANDS, ids=WINDOW_IDS)
def test_books_a_vehicle_in_maintenance_status(vehicle: Vehicle, command: Window) -> None:
    vehicle.given(ChangeVehicleStatus(status="maintenance", reason="tyres"))
    assert len(vehicle.when(command(at(days=1), at(days=2)))) == 1


@pytest.mark.parametrize("command", WINDOW_COMMANDS, ids=WINDOW_IDS)
def test_rejects_a_window_that_overlaps_every_kind_of_block(
    vehicle: Vehicle, command: Window
) -> None:
    vehicle.given(
        book(at(days=1), at(days=1, hours=2)),
        place_hold(at(days=1, hours=3), at(days=1, hours=4), HOLD),
        schedule(at(days=1, hours=5), at(days=1, hours=8)),
        book(at(days=3), at(days=4), BOOKING_3),
    )
    with pytest.raises(OverlappingBlockError) as raised:
        vehicle.when(command(at(days=1, hours=1), at(days=1, hours=6)), at=JUST_AFTER_REGISTRATION)
    assert raised.value.conflicts == [
        Conflict("booking", BOOKING, at(days=1), at(days=1, hours=2)),
        Conflict("hold", HOLD, at(days=1, hours=3), at(days=1, hours=4)),
        Conflict("maintenance", MAINTENANCE, at(days=1, hours=5), at(days=1, hours=8)),
    ]


def test_rejects_booking_that_overlaps_a_hold(vehicle: Vehicle) -> None:
    vehicle.given(place_hold(at(days=1), at(days=2)), at=at(minutes=-1))
    with pytest.raises(OverlappingBlockError) as raised:
        vehicle.when(book(at(days=1, hours=23), at(days=3)))
    assert raised.value.conflicts == [Conflict("hold", HOLD, at(days=1), at(days=2))]


def test_rejects_booking_that_contains_a_booking(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=2), at(days=2, hours=1)))
    with pytest.raises(OverlappingBlockError):
        vehicle.when(book(at(days=1), at(days=29), BOOKING_2))


def test_rejects_booking_inside_a_long_maintenance_window(vehicle: Vehicle) -> None:
    vehicle.given(schedule(at(days=1), at(days=80)))
    with pytest.raises(OverlappingBlockError):
        vehicle.when(book(at(days=70), at(days=71)))


def test_windows_that_only_touch_do_not_overlap(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=1), at(days=2)))
    vehicle.given(book(at(days=2), at(days=3), BOOKING_2))
    assert len(vehicle.when(book(at(hours=2), at(days=1), HOLD))) == 1


def test_overlap_is_compared_in_utc(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=1), at(days=2)))
    minus_five = timezone(timedelta(hours=-5))
    start = at(days=2).astimezone(minus_five) - timedelta(minutes=1)
    with pytest.raises(OverlappingBlockError):
        vehicle.when(book(start, start + timedelta(hours=1), BOOKING_2))


def test_cancelled_and_completed_bookings_free_their_window(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=1), at(days=2)), cancel())
    vehicle.given(book(at(hours=-2), at(hours=-1), BOOKING_2), at=at(days=-1))
    vehicle.given(start_trip(BOOKING_2), at=at(hours=-2))
    vehicle.given(end_trip(), at=at(hours=-1, minutes=-30))
    assert vehicle.state is not None
    assert active_blocks(vehicle.state, NOW) == []
    assert len(vehicle.when(book(at(days=1), at(days=2), HOLD))) == 1


def test_rejects_reusing_a_booking_id(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=1), at(days=2)))
    with pytest.raises(IdAlreadyUsedError):
        vehicle.when(book(at(days=3), at(days=4)))


# --- price ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("length", "expected"),
    [
        (timedelta(minutes=15), HOURLY),
        (timedelta(hours=1), HOURLY),
        (timedelta(hours=1, seconds=1), 2 * HOURLY),
        (timedelta(hours=5, minutes=59), DAILY),
        (timedelta(hours=6), DAILY),
        (timedelta(hours=24), DAILY),
        (timedelta(hours=25), DAILY + HOURLY),
        (timedelta(days=2, hours=7), 3 * DAILY),
        (timedelta(days=30), 30 * DAILY),
    ],
)
def test_price_is_capped_per_started_day(length: timedelta, expected: int) -> None:
    assert price_cents(NOW, NOW + length, HOURLY, DAILY) == expected


def test_price_uses_the_cheaper_of_hours_and_day_per_chunk() -> None:
    assert price_cents(NOW, NOW + timedelta(days=1, hours=3), 100, 10_000) == 2_400 + 300


# --- CancelBooking ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("cancelled_at", "percent"),
    [
        (at(days=-1, seconds=-1), 100),
        (at(days=-1), 50),
        (at(hours=-2, seconds=-1), 50),
        (at(hours=-2), 0),
        (at(seconds=-1), 0),
    ],
)
def test_cancellation_refunds_by_notice(
    vehicle: Vehicle, cancelled_at: datetime, percent: int
) -> None:
    vehicle.given(book(NOW, at(hours=3), BOOKING))  # price 3 * HOURLY = 3000
    vehicle.given(book(at(days=1), at(days=1, minutes=15), BOOKING_2))  # price 1000
    expected = vehicle.then(
        BookingCancelled,
        at=cancelled_at,
        booking_id=BOOKING,
        reason="plans changed",
        refund_cents=3 * HOURLY * percent // 100,
        refund_percent=percent,
    )
    assert vehicle.when(cancel(), at=cancelled_at) == [expected]


def test_half_refund_rounds_down(vehicle: Vehicle) -> None:
    vehicle.given(UpdateVehicleDetails(hourly_rate_cents=999), book(at(hours=5), at(hours=6)))
    cancelled = vehicle.when(cancel())[0]
    assert isinstance(cancelled, BookingCancelled)
    assert (cancelled.refund_percent, cancelled.refund_cents) == (50, 499)


def test_rejects_cancelling_an_unknown_booking(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(cancel())


def test_rejects_cancelling_twice_before_the_start(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=1), at(days=2)), cancel())
    with pytest.raises(BookingNotCancellableError, match="cancelled"):
        vehicle.when(cancel())


def test_rejects_cancelling_a_started_booking(vehicle: Vehicle) -> None:
    vehicle.given(book(at(hours=-1), at(hours=1)))
    with pytest.raises(BookingNotCancellableError, match="started"):
        vehicle.when(cancel())


def test_rejects_cancelling_a_booking_whose_trip_started_early(vehicle: Vehicle) -> None:
    vehicle.given(book(at(minutes=10), at(hours=1)))
    vehicle.given(start_trip(), at=at(minutes=-5))
    with pytest.raises(BookingNotCancellableError):
        vehicle.when(cancel())


def test_rejects_cancelling_a_completed_booking(vehicle: Vehicle) -> None:
    vehicle.given(book(at(minutes=10), at(hours=1)))
    vehicle.given(start_trip(), at=at(minutes=-5))
    vehicle.given(end_trip(), at=at(minutes=-1))
    with pytest.raises(BookingNotCancellableError, match="completed"):
        vehicle.when(cancel())
