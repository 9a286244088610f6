"""Specs of corporate-pool bookings: purpose and cost centre, direct or through a hold."""

from __future__ import annotations

from dataclasses import replace

import pytest

from command_service.domain.commands import ConfirmHold
from command_service.domain.errors import InvalidCommandError
from shared.contract.events import BookingConfirmed, HoldPlaced
from tests.unit.fakes import BOOKING, HOLD, Vehicle, at, book, place_hold


def test_a_booking_keeps_its_cost_centre_trimmed(vehicle: Vehicle) -> None:
    command = replace(book(at(days=1), at(days=2)), purpose="audit", cost_centre="  CC-4711 ")
    booked = vehicle.when(command)[0]
    assert isinstance(booked, BookingConfirmed)
    assert (booked.purpose, booked.cost_centre) == ("audit", "CC-4711")


def test_a_booking_without_a_cost_centre_has_none(vehicle: Vehicle) -> None:
    booked = vehicle.when(book(at(days=1), at(days=2)))[0]
    assert isinstance(booked, BookingConfirmed) and booked.cost_centre is None


@pytest.mark.parametrize("cost_centre", ["", "   ", "x" * 65])
def test_rejects_a_cost_centre_that_is_blank_or_longer_than_64(
    vehicle: Vehicle, cost_centre: str
) -> None:
    for command in (book(at(days=1), at(days=2)), place_hold(at(days=1), at(days=2))):
        with pytest.raises(InvalidCommandError) as raised:
            vehicle.when(replace(command, cost_centre=cost_centre))
        assert raised.value.field == "cost_centre"


def test_a_booking_confirmed_from_a_hold_carries_its_purpose_and_cost_centre(
    vehicle: Vehicle,
) -> None:
    hold = replace(place_hold(at(days=1), at(days=2)), purpose="fair", cost_centre=" Sales ")
    placed = vehicle.given(hold, at=at()).history[-1]
    assert isinstance(placed, HoldPlaced)
    assert (placed.purpose, placed.cost_centre) == ("fair", "Sales")
    events = vehicle.when(ConfirmHold(hold_id=HOLD, booking_id=BOOKING))
    booked = events[-1]
    assert isinstance(booked, BookingConfirmed)
    assert (booked.purpose, booked.cost_centre, booked.hold_id) == ("fair", "Sales", HOLD)
