"""Specs of PlaceHold, ConfirmHold, ReleaseHold and ExpireHold."""

from __future__ import annotations

from datetime import timedelta
from uuid import UUID

import pytest

from command_service.domain import active_blocks
from command_service.domain.commands import (
    ChangeVehicleStatus,
    ConfirmHold,
    ExpireHold,
    ReleaseHold,
    UpdateVehicleDetails,
)
from command_service.domain.errors import (
    Conflict,
    HoldNotActiveError,
    IdAlreadyUsedError,
    InvalidCommandError,
    OverlappingBlockError,
    UnknownEntityError,
    VehicleInactiveError,
)
from shared.contract.events import (
    BookingConfirmed,
    HoldConfirmed,
    HoldExpired,
    HoldPlaced,
    HoldReleased,
)
from shared.pricing.engine import price_by_vehicle_rates
from tests.unit.fakes import (
    BOOKING,
    BOOKING_2,
    CUSTOMER,
    DAILY,
    HOLD,
    HOLD_2,
    HOURLY,
    NOW,
    Vehicle,
    at,
    book,
    place_hold,
)

PLACED_AT = at(minutes=-5)  # holds in these specs are placed 5 minutes before NOW
EXPIRES_AT = at(minutes=10)  # ... with the default 15 minute lifetime


def held(vehicle: Vehicle, ttl_seconds: int = 900) -> Vehicle:
    """The vehicle with HOLD on [NOW + 1 day, NOW + 2 days 2 h) placed at PLACED_AT."""
    hold = place_hold(at(days=1), at(days=2, hours=2), ttl_seconds=ttl_seconds)
    return vehicle.given(hold, at=PLACED_AT)


def confirm(booking_id: UUID = BOOKING) -> ConfirmHold:
    """ConfirmHold of HOLD into `booking_id`."""
    return ConfirmHold(hold_id=HOLD, booking_id=booking_id)


# --- PlaceHold ----------------------------------------------------------------------------


def test_places_a_hold_with_its_quote_and_expiry(vehicle: Vehicle) -> None:
    expected = vehicle.then(
        HoldPlaced,
        hold_id=HOLD,
        customer_id=CUSTOMER,
        start=at(days=1),
        end=at(days=2, hours=2),
        expires_at=at(minutes=20),
        price_cents=DAILY + 2 * HOURLY,
        currency="EUR",
        pricing=price_by_vehicle_rates(at(days=1), at(days=2, hours=2), HOURLY, DAILY, "EUR"),
    )
    command = place_hold(at(days=1), at(days=2, hours=2), ttl_seconds=1_200)
    assert vehicle.when(command) == [expected]


@pytest.mark.parametrize("ttl_seconds", [59, 3601, 0, -60])
def test_rejects_a_hold_lifetime_outside_one_to_sixty_minutes(
    vehicle: Vehicle, ttl_seconds: int
) -> None:
    with pytest.raises(InvalidCommandError) as raised:
        vehicle.when(place_hold(at(days=1), at(days=2), ttl_seconds=ttl_seconds))
    assert raised.value.field == "ttl_seconds"


@pytest.mark.parametrize("ttl_seconds", [60, 3600])
def test_accepts_a_hold_lifetime_of_one_to_sixty_minutes(
    vehicle: Vehicle, ttl_seconds: int
) -> None:
    assert len(vehicle.when(place_hold(at(days=1), at(days=2), ttl_seconds=ttl_seconds))) == 1


def test_a_live_hold_blocks_other_holds(vehicle: Vehicle) -> None:
    held(vehicle)
    with pytest.raises(OverlappingBlockError) as raised:
        vehicle.when(place_hold(at(days=2), at(days=3), HOLD_2))
    assert raised.value.conflicts == [Conflict("hold", HOLD, at(days=1), at(days=2, hours=2))]


def test_hold_past_expiry_stops_blocking_before_expired_event(vehicle: Vehicle) -> None:
    held(vehicle)
    assert len(vehicle.when(book(at(days=1), at(days=2)), at=EXPIRES_AT)) == 1
    with pytest.raises(OverlappingBlockError):
        vehicle.when(book(at(days=1), at(days=2)), at=EXPIRES_AT - timedelta(seconds=1))


def test_rejects_reusing_a_hold_id(vehicle: Vehicle) -> None:
    held(vehicle)
    with pytest.raises(IdAlreadyUsedError):
        vehicle.when(place_hold(at(days=5), at(days=6)), at=at(hours=1))


# --- ConfirmHold --------------------------------------------------------------------------


def test_confirming_a_hold_books_its_window_at_the_quoted_price(vehicle: Vehicle) -> None:
    held(vehicle)
    vehicle.given(ChangeVehicleStatus(status="maintenance", reason="x"), at=PLACED_AT)
    expected = [
        vehicle.then(HoldConfirmed, 1, hold_id=HOLD, booking_id=BOOKING),
        vehicle.then(
            BookingConfirmed,
            2,
            booking_id=BOOKING,
            customer_id=CUSTOMER,
            start=at(days=1),
            end=at(days=2, hours=2),
            price_cents=DAILY + 2 * HOURLY,
            currency="EUR",
            hold_id=HOLD,
            pricing=price_by_vehicle_rates(at(days=1), at(days=2, hours=2), HOURLY, DAILY, "EUR"),
        ),
    ]
    assert vehicle.when(confirm()) == expected


def test_a_confirmed_hold_keeps_the_quote_after_a_rate_change(vehicle: Vehicle) -> None:
    held(vehicle)
    vehicle.given(UpdateVehicleDetails(daily_rate_cents=1), at=PLACED_AT)
    booking = vehicle.when(confirm())[1]
    assert isinstance(booking, BookingConfirmed)
    assert booking.price_cents == DAILY + 2 * HOURLY


def test_a_confirmed_hold_blocks_as_a_booking(vehicle: Vehicle) -> None:
    held(vehicle)
    state = vehicle.after(confirm())
    assert active_blocks(state, at(hours=1)) == [
        Conflict("booking", BOOKING, at(days=1), at(days=2, hours=2))
    ]


def test_rejects_confirming_an_unknown_hold(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(confirm())


def test_rejects_confirming_a_hold_twice(vehicle: Vehicle) -> None:
    held(vehicle).given(confirm(), at=PLACED_AT)
    with pytest.raises(HoldNotActiveError, match="confirmed"):
        vehicle.when(confirm(BOOKING_2))


def test_rejects_confirming_a_released_hold(vehicle: Vehicle) -> None:
    held(vehicle).given(ReleaseHold(hold_id=HOLD), at=PLACED_AT)
    with pytest.raises(HoldNotActiveError, match="released"):
        vehicle.when(confirm())


def test_rejects_confirming_a_hold_past_expiry_before_expired_event(vehicle: Vehicle) -> None:
    held(vehicle)
    with pytest.raises(HoldNotActiveError, match="expired"):
        vehicle.when(confirm(), at=EXPIRES_AT)


def test_rejects_confirming_a_hold_whose_window_has_started(vehicle: Vehicle) -> None:
    vehicle.given(place_hold(at(minutes=1), at(hours=2)), at=PLACED_AT)
    with pytest.raises(HoldNotActiveError, match="started"):
        vehicle.when(confirm(), at=at(minutes=1))


def test_rejects_confirming_a_hold_on_an_inactive_vehicle(vehicle: Vehicle) -> None:
    held(vehicle).given(ChangeVehicleStatus(status="inactive", reason="x"), at=PLACED_AT)
    with pytest.raises(VehicleInactiveError):
        vehicle.when(confirm())


def test_rejects_confirming_into_a_used_booking_id(vehicle: Vehicle) -> None:
    vehicle.given(book(at(days=5), at(days=6)), at=PLACED_AT)
    held(vehicle)
    with pytest.raises(IdAlreadyUsedError):
        vehicle.when(confirm())


# --- ReleaseHold --------------------------------------------------------------------------


def test_releasing_a_hold_frees_its_window(vehicle: Vehicle) -> None:
    held(vehicle)
    assert vehicle.when(ReleaseHold(hold_id=HOLD)) == [vehicle.then(HoldReleased, hold_id=HOLD)]
    assert active_blocks(vehicle.after(ReleaseHold(hold_id=HOLD)), NOW) == []


def test_rejects_releasing_an_unknown_hold(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(ReleaseHold(hold_id=HOLD))


def test_rejects_releasing_a_resolved_hold(vehicle: Vehicle) -> None:
    held(vehicle).given(confirm(), at=PLACED_AT)
    with pytest.raises(HoldNotActiveError):
        vehicle.when(ReleaseHold(hold_id=HOLD))


def test_rejects_releasing_a_hold_past_expiry(vehicle: Vehicle) -> None:
    held(vehicle)
    with pytest.raises(HoldNotActiveError):
        vehicle.when(ReleaseHold(hold_id=HOLD), at=EXPIRES_AT)


# --- ExpireHold ---------------------------------------------------------------------------


def test_expiring_a_hold_records_its_expiry_time(vehicle: Vehicle) -> None:
    held(vehicle)
    late = at(hours=3)
    expected = vehicle.then(HoldExpired, at=late, hold_id=HOLD, expired_at=EXPIRES_AT)
    assert vehicle.when(ExpireHold(hold_id=HOLD), at=late) == [expected]


def test_expires_a_hold_exactly_at_its_expiry(vehicle: Vehicle) -> None:
    held(vehicle)
    assert len(vehicle.when(ExpireHold(hold_id=HOLD), at=EXPIRES_AT)) == 1


def test_rejects_expiring_an_unknown_hold(vehicle: Vehicle) -> None:
    with pytest.raises(UnknownEntityError):
        vehicle.when(ExpireHold(hold_id=HOLD))


def test_rejects_expiring_a_hold_not_yet_expired(vehicle: Vehicle) -> None:
    held(vehicle)
    with pytest.raises(HoldNotActiveError, match="not yet expired"):
        vehicle.when(ExpireHold(hold_id=HOLD))


@pytest.mark.parametrize(
    "resolution", [ReleaseHold(hold_id=HOLD), ConfirmHold(hold_id=HOLD, booking_id=BOOKING)]
)
def test_rejects_expiring_a_resolved_hold(
    vehicle: Vehicle, resolution: ReleaseHold | ConfirmHold
) -> None:
    held(vehicle).given(resolution, at=PLACED_AT)
    with pytest.raises(HoldNotActiveError):
        vehicle.when(ExpireHold(hold_id=HOLD), at=at(hours=1))


def test_rejects_expiring_a_hold_twice(vehicle: Vehicle) -> None:
    held(vehicle).given(ExpireHold(hold_id=HOLD), at=EXPIRES_AT)
    with pytest.raises(HoldNotActiveError, match="expired"):
        vehicle.when(ExpireHold(hold_id=HOLD), at=at(hours=1))
