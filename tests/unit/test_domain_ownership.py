"""Specs of the ownership rule: a customer acts only for themselves; staff for anyone."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from command_service.domain.actor import SYSTEM, Actor, customer
from command_service.domain.commands import Command, ConfirmHold, ReleaseHold
from command_service.domain.errors import OwnershipError, UnknownEntityError
from shared.contract.events import BookingCancelled, HoldReleased
from tests.unit.fakes import (
    BOOKING,
    CUSTOMER,
    HOLD,
    NOW,
    OTHER_CUSTOMER,
    TRIP,
    Vehicle,
    at,
    book,
    cancel,
    end_trip,
    place_hold,
    start_trip,
)

THE_CUSTOMER = customer(CUSTOMER)
SOMEONE_ELSE = customer(OTHER_CUSTOMER)
STAFF = Actor(user_id=OTHER_CUSTOMER, staff=True)
TRIP_TIME = at(days=1, minutes=5)


def _booked(vehicle: Vehicle) -> Vehicle:
    return vehicle.given(book(at(days=1), at(days=1, hours=2)), at=NOW)


def _held(vehicle: Vehicle) -> Vehicle:
    return vehicle.given(place_hold(at(days=1), at(days=1, hours=2)), at=NOW)


def _on_trip(vehicle: Vehicle) -> Vehicle:
    return _booked(vehicle).given(start_trip(), at=TRIP_TIME)


def test_a_customer_cannot_book_for_another_customer(vehicle: Vehicle) -> None:
    command = replace(book(at(days=1), at(days=2), customer=CUSTOMER), by=SOMEONE_ELSE)
    with pytest.raises(OwnershipError):
        vehicle.when(command)


def test_a_customer_cannot_place_a_hold_for_another_customer(vehicle: Vehicle) -> None:
    with pytest.raises(OwnershipError):
        vehicle.when(replace(place_hold(at(days=1), at(days=2)), by=SOMEONE_ELSE))


def test_a_customer_books_for_themselves(vehicle: Vehicle) -> None:
    events = vehicle.when(replace(book(at(days=1), at(days=2)), by=THE_CUSTOMER))
    assert [type(e).__name__ for e in events] == ["BookingConfirmed"]


@pytest.mark.parametrize("actor", [STAFF, SYSTEM], ids=["fleet staff", "system"])
def test_staff_book_for_any_customer(vehicle: Vehicle, actor: Actor) -> None:
    events = vehicle.when(replace(book(at(days=1), at(days=2)), by=actor))
    assert events[0].customer_id == CUSTOMER  # type: ignore[attr-defined]


# (name, setup, command, the kind and id it addresses)
OWNED_COMMANDS: list[tuple[str, object, Command, str, UUID]] = [
    ("cancel", _booked, cancel(), "booking", BOOKING),
    ("confirm hold", _held, ConfirmHold(hold_id=HOLD, booking_id=BOOKING), "hold", HOLD),
    ("release hold", _held, ReleaseHold(hold_id=HOLD), "hold", HOLD),
    ("start trip", _booked, start_trip(), "booking", BOOKING),
    ("end trip", _on_trip, end_trip(), "trip", TRIP),
]


@pytest.mark.parametrize(
    ("setup", "command", "kind", "entity_id"),
    [row[1:] for row in OWNED_COMMANDS],
    ids=[row[0] for row in OWNED_COMMANDS],
)
def test_another_customers_record_does_not_exist_for_a_customer(
    vehicle: Vehicle, setup: object, command: Command, kind: str, entity_id: UUID
) -> None:
    """Checked before any other rule, and refused exactly as an unknown id is, so a
    refusal tells nothing about the record, not even that it exists."""
    given = setup(vehicle)  # type: ignore[operator]
    with pytest.raises(UnknownEntityError) as refused:
        given.when(replace(command, by=SOMEONE_ELSE), at=TRIP_TIME)
    assert refused.value.detail == UnknownEntityError.of(kind, entity_id).detail


def test_the_owner_cancels_their_booking(vehicle: Vehicle) -> None:
    events = _booked(vehicle).when(replace(cancel(), by=THE_CUSTOMER))
    assert isinstance(events[0], BookingCancelled)


def test_a_manager_releases_a_customers_hold(vehicle: Vehicle) -> None:
    events = _held(vehicle).when(replace(ReleaseHold(hold_id=HOLD), by=STAFF))
    assert isinstance(events[0], HoldReleased)
