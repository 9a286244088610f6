"""Specs of the organization rule: another organization's vehicle does not exist for an
actor, whatever they send; the system acts across organizations."""

from __future__ import annotations

from dataclasses import replace
from uuid import UUID

import pytest

from command_service.domain import VehicleState, decide
from command_service.domain.actor import SYSTEM, customer, staff
from command_service.domain.commands import Command, ExpireHold, sender
from command_service.domain.errors import DomainError, VehicleNotFoundError
from shared.contract.events import HoldExpired, VehicleRegistered
from shared.contract.organizations import DEFAULT_ORGANIZATION_ID
from tests.unit.fakes import (
    CUSTOMER,
    EVERY_COMMAND_BUT_REGISTRATION,
    HOLD,
    NOW,
    VEHICLE,
    Ids,
    Vehicle,
    at,
    book,
    place_hold,
    register_command,
    registered_vehicle,
    schedule,
    start_trip,
)

OTHER_ORGANIZATION = UUID(int=0x0E6)
STRANGER = staff(UUID(int=0x57A), OTHER_ORGANIZATION)
STRANGE_CUSTOMER = customer(CUSTOMER, OTHER_ORGANIZATION)
HOME_STAFF = staff(UUID(int=0x5AF), DEFAULT_ORGANIZATION_ID)
SENT_BY_PEOPLE = [c for c in EVERY_COMMAND_BUT_REGISTRATION if not isinstance(c, ExpireHold)]


def _busy() -> Vehicle:
    """A default-organization vehicle with a hold, a booking on a trip and maintenance."""
    return registered_vehicle().given(
        place_hold(at(days=3), at(days=3, hours=2)),
        book(at(hours=-1, minutes=10), at(hours=1)),
        start_trip(),
        schedule(at(days=5), at(days=6)),
        at=at(hours=-1),
    )


def _refusal(state: VehicleState | None, command: Command) -> tuple[type[DomainError], str]:
    with pytest.raises(DomainError) as refused:
        decide(state, command, NOW, Ids(1))
    return type(refused.value), refused.value.detail


@pytest.mark.parametrize("command", SENT_BY_PEOPLE, ids=lambda c: type(c).__name__)
@pytest.mark.parametrize("actor", [STRANGER, STRANGE_CUSTOMER], ids=["staff", "customer"])
def test_another_organizations_vehicle_is_refused_exactly_like_no_vehicle(command, actor):
    theirs = _busy().state
    sent = replace(command, by=actor)
    assert (
        _refusal(theirs, sent)
        == _refusal(None, sent)
        == (
            VehicleNotFoundError,
            "no such vehicle",
        )
    )


@pytest.mark.parametrize("command", SENT_BY_PEOPLE, ids=lambda c: type(c).__name__)
def test_staff_of_the_vehicles_organization_get_past_the_rule(command):
    try:
        decide(_busy().state, replace(command, by=HOME_STAFF), NOW, Ids(1))
    except VehicleNotFoundError:
        pytest.fail("the vehicle's own staff were refused as if it did not exist")
    except DomainError:
        pass  # another rule may refuse the command; the organization rule did not


def test_the_system_expires_holds_of_every_organization():
    vehicle = Vehicle().given(register_command(organization_id=OTHER_ORGANIZATION))
    vehicle.given(place_hold(at(hours=1), at(hours=2), ttl_seconds=60), at=NOW)
    events = vehicle.when(ExpireHold(hold_id=HOLD), at=at(minutes=2))
    assert sender(ExpireHold(hold_id=HOLD)) is SYSTEM
    assert [type(e) for e in events] == [HoldExpired]
    assert events[0].organization_id == OTHER_ORGANIZATION


def test_a_vehicle_and_every_event_on_it_belong_to_the_registering_organization():
    vehicle = Vehicle().given(register_command(organization_id=OTHER_ORGANIZATION))
    registered = vehicle.history[0]
    assert isinstance(registered, VehicleRegistered)
    assert registered.organization_id == OTHER_ORGANIZATION
    assert vehicle.state is not None and vehicle.state.organization_id == OTHER_ORGANIZATION
    booked = vehicle.when(replace(book(at(days=1), at(days=1, hours=2)), by=STRANGER))
    assert booked[0].organization_id == OTHER_ORGANIZATION
    assert booked[0].vehicle_id == VEHICLE
