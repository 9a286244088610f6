"""Specs of how holds and bookings are priced from the basis the application gathers, and
of the demand changes and checks their events bring to the append."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from command_service.domain.commands import ConfirmHold
from command_service.domain.errors import InvalidCommandError
from command_service.domain.pricing import PriceBasis, window_hours
from command_service.store.demand import DemandCheck, demand_changes
from shared.contract.events import BookingConfirmed, HoldPlaced
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from shared.pricing.engine import price_window
from shared.pricing.priced import PolicyVersion
from shared.pricing.terms import PricingTerms
from tests.pricing import policy_body
from tests.unit.fakes import BOOKING, HOLD, Vehicle, at, book, cancel, place_hold

POLICY = PolicyVersion(
    policy_id=UUID(int=0x9011C7),
    version=3,
    organization_id=DEFAULT_ORGANIZATION_ID,
    terms=PricingTerms.model_validate(policy_body("Volkswagen")),
)
BASIS = PriceBasis(POLICY, booked_hours=6, capacity_hours=12, extras=("insurance",))
START, END = at(days=1, minutes=30), at(days=1, hours=3)  # 3 started clock hours


def test_window_hours_are_the_clock_hours_a_window_starts_or_covers() -> None:
    assert window_hours(START, END) == [at(days=1), at(days=1, hours=1), at(days=1, hours=2)]
    assert window_hours(at(days=1), at(days=1, hours=1)) == [at(days=1)]


def test_a_booking_is_priced_by_the_policy_and_demand_it_is_given(vehicle: Vehicle) -> None:
    [booked] = vehicle.when(replace(book(START, END), pricing=BASIS))
    expected = price_window(
        POLICY, START, END, booked_hours=6, capacity_hours=12, extras=["insurance"]
    )
    assert isinstance(booked, BookingConfirmed)
    assert booked.pricing == expected
    assert booked.price_cents == expected.price_cents and booked.currency == expected.currency


def test_a_quoted_price_is_taken_as_it_is(vehicle: Vehicle) -> None:
    quoted = price_window(POLICY, START, END, booked_hours=0, capacity_hours=12).model_copy(
        update={"quote_id": UUID(int=0x9007E)}
    )
    [held] = vehicle.when(replace(place_hold(START, END), pricing=PriceBasis(quoted=quoted)))
    assert isinstance(held, HoldPlaced) and held.pricing == quoted


def test_confirming_a_hold_keeps_its_pricing(vehicle: Vehicle) -> None:
    vehicle.given(replace(place_hold(START, END), pricing=BASIS), at=at())
    booked = vehicle.when(ConfirmHold(hold_id=HOLD, booking_id=BOOKING))[1]
    assert isinstance(booked, BookingConfirmed)
    assert booked.pricing is not None and booked.pricing.policy_id == POLICY.policy_id


@pytest.mark.parametrize("extras", [("jetpack",), ("insurance", "jetpack")])
def test_an_extra_the_policy_does_not_offer_is_refused(
    vehicle: Vehicle, extras: tuple[str, ...]
) -> None:
    with pytest.raises(InvalidCommandError) as raised:
        vehicle.when(replace(book(START, END), pricing=replace(BASIS, extras=extras)))
    assert raised.value.field == "extras"


def test_extras_on_a_vehicle_priced_by_its_rates_are_refused(vehicle: Vehicle) -> None:
    with pytest.raises(InvalidCommandError) as raised:
        vehicle.when(replace(book(START, END), pricing=PriceBasis(extras=("insurance",))))
    assert raised.value.field == "extras"


def test_a_fresh_booking_adds_its_hours_and_cites_what_it_read(vehicle: Vehicle) -> None:
    events = vehicle.when(replace(book(START, END), pricing=BASIS))
    changes = demand_changes(vehicle.state, events)
    assert changes.checks == [DemandCheck(POLICY.policy_id, window_hours(START, END), 6)]
    assert dict(changes.deltas) == {(POLICY.policy_id, h): 1 for h in window_hours(START, END)}


def test_a_hold_cites_its_figure_but_books_no_hours(vehicle: Vehicle) -> None:
    events = vehicle.when(replace(place_hold(START, END), pricing=BASIS))
    changes = demand_changes(vehicle.state, events)
    assert len(changes.checks) == 1 and not changes.deltas


def test_a_confirmed_hold_books_its_hours_without_a_new_check(vehicle: Vehicle) -> None:
    vehicle.given(replace(place_hold(START, END), pricing=BASIS), at=at())
    events = vehicle.when(ConfirmHold(hold_id=HOLD, booking_id=BOOKING))
    changes = demand_changes(vehicle.state, events)
    assert not changes.checks and sum(changes.deltas.values()) == 3


def test_a_cancellation_takes_the_booking_s_hours_back(vehicle: Vehicle) -> None:
    vehicle.given(replace(book(START, END), pricing=BASIS), at=at())
    events = vehicle.when(cancel())
    changes = demand_changes(vehicle.state, events)
    assert dict(changes.deltas) == {(POLICY.policy_id, h): -1 for h in window_hours(START, END)}
    assert changes.policies() == [POLICY.policy_id]


def test_vehicle_rate_prices_touch_no_demand(vehicle: Vehicle) -> None:
    events = vehicle.when(book(START, END))
    changes = demand_changes(vehicle.state, events)
    assert not changes.checks and not changes.deltas and changes.policies() == []
